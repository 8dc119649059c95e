-- Names right everywhere (issue 14): admins' place-name readings, sources
-- for the rule word lists and more entries, streets as standard names, and
-- the uniqueness rule (same name, same sound within the legal scope) decided
-- in the database for every write path.

-- Readings of words in place names that admins add to the shipped,
-- reviewed table (romanize/table.go); theirs win. Audited; never deleted.
CREATE TABLE place_readings (
  id         bigserial PRIMARY KEY,
  word       text NOT NULL UNIQUE CHECK (word ~ '^\S+$'),
  pinyin     text NOT NULL CHECK (pinyin <> ''),
  source     text NOT NULL CHECK (source <> ''),
  active     boolean NOT NULL DEFAULT true,
  created_by text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  version    integer NOT NULL DEFAULT 1
);
CREATE TRIGGER place_readings_refuse_delete BEFORE DELETE ON place_readings FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- Every word-list entry names its source; a local list (restricted_word)
-- holds words a local rule restricts.
ALTER TABLE naming_words ADD COLUMN source text NOT NULL DEFAULT '';
ALTER TABLE naming_words DROP CONSTRAINT naming_words_list_check;
ALTER TABLE naming_words ADD CONSTRAINT naming_words_list_check
  CHECK (list IN ('state_leader','personal_name','foreign_name','company_name','grandiose','rare_char','restricted_word'));
UPDATE naming_words SET source = '民政部等《关于开展不规范地名清理整治工作的通知》(2018)：清理“大、洋、怪、重”地名'
 WHERE source = '';
UPDATE naming_words SET note = '崇洋媚外：外国地名' WHERE list = 'foreign_name' AND note = '崇洋';
UPDATE naming_words SET note = '夸大：贪大求洋' WHERE list = 'grandiose' AND note = '夸大';

INSERT INTO naming_words (list, word, severity, note, source)
SELECT 'foreign_name', w, 'warn', '外国地名', '地名管理条例(2022) 第九条：一般不以外国人名、地名作地名；不规范地名清理整治(2018)：崇洋媚外'
  FROM unnest(string_to_array('纽约 伦敦 洛杉矶 旧金山 西雅图 芝加哥 波士顿 拉斯维加斯 夏威夷 好莱坞 比佛利 曼哈顿 华尔街 百老汇 '
    '温哥华 多伦多 悉尼 墨尔本 迪拜 米兰 佛罗伦萨 普罗旺斯 托斯卡纳 巴塞罗那 马德里 阿姆斯特丹 莱茵 多瑙 塞纳 泰晤士 '
    '香榭丽舍 凡尔赛 枫丹白露 蒙特卡洛 摩纳哥 圣地亚哥 莫斯科 柏林 东京 首尔 地中海 爱琴海 苏格兰 剑桥 牛津 哈佛 '
    '加利福尼亚 佛罗里达 德克萨斯 雅典 威尼斯 英伦 欧陆', ' ')) w
ON CONFLICT (list, word) DO NOTHING;
INSERT INTO naming_words (list, word, severity, note, source)
SELECT 'foreign_name', w, 'warn', '外国人名', '地名管理条例(2022) 第九条：一般不以外国人名、地名作地名'
  FROM unnest(string_to_array('华盛顿 林肯 拿破仑 莎士比亚 丘吉尔 哥伦布 肯尼迪 维多利亚', ' ')) w
ON CONFLICT (list, word) DO NOTHING;
INSERT INTO naming_words (list, word, severity, note, source)
SELECT 'state_leader', w, 'block', '国家领导人', '地名管理条例(2022) 第九条：不以国家领导人的名字作地名'
  FROM unnest(string_to_array('毛泽东 刘少奇 周恩来 朱德 邓小平 陈云 江泽民 胡锦涛 习近平 李鹏 朱镕基 温家宝 李克强 '
    '华国锋 胡耀邦 赵紫阳 杨尚昆 李先念 叶剑英 董必武 宋庆龄', ' ')) w
ON CONFLICT (list, word) DO NOTHING;
INSERT INTO naming_words (list, word, severity, note, source)
SELECT 'personal_name', w, 'warn', '文学艺术作品人物', '地名管理条例实施办法(2024) 第四条：人名包括文学艺术作品中的人物名称；一般不以人名作地名'
  FROM unnest(string_to_array('孙悟空 猪八戒 贾宝玉 林黛玉 哈利波特 米老鼠 唐老鸭 白雪公主', ' ')) w
ON CONFLICT (list, word) DO NOTHING;
INSERT INTO naming_words (list, word, severity, note, source)
SELECT 'grandiose', w, 'warn', '夸大：贪大求洋', '民政部等《关于开展不规范地名清理整治工作的通知》(2018)：清理“大、洋、怪、重”地名'
  FROM unnest(string_to_array('帝国 皇朝 皇宫 至尊 世界之窗 天下 宇宙城 国际城 中央公馆 首府', ' ')) w
ON CONFLICT (list, word) DO NOTHING;
INSERT INTO naming_words (list, word, severity, note, source)
SELECT 'company_name', w, 'warn', '企业名称或商标', '地名管理条例实施办法(2024) 第四条：不以企业名称或者商标名称作地名'
  FROM unnest(string_to_array('万达 恒大 碧桂园 万科 绿地 保利 融创 华润 星巴克 麦当劳 肯德基', ' ')) w
ON CONFLICT (list, word) DO NOTHING;
INSERT INTO naming_words (list, word, severity, note, source)
SELECT 'restricted_word', w, 'warn', '冠以国家、中华等字样', '地方地名管理规定（本地规则，可停用或增补）：地名一般不冠以“中国”“中华”“全国”“国家”“国际”等字样'
  FROM unnest(string_to_array('中国 中华 全国 国家 国际', ' ')) w
ON CONFLICT (list, word) DO NOTHING;

-- A doorplate street is a standard name: category 5 (街路巷) in places.
ALTER TABLE streets ADD COLUMN place_id bigint REFERENCES places(id);
CREATE INDEX streets_place ON streets(place_id);

-- naming_scope decides how far a name of a category must be unique around
-- a division: the widest active rule that applies (naming_scopes), and
-- for a built-up area the prefixes of the configured area (or the county).
-- It is the one place of that rule: the check of a proposal and the guard
-- of every write ask it.
CREATE FUNCTION naming_scope(cat smallint, sub text, division text, OUT scope text, OUT source text, OUT prefixes text[])
LANGUAGE plpgsql STABLE AS $$
BEGIN
  SELECT s.scope, s.source INTO scope, source FROM naming_scopes s
   WHERE s.active AND s.category = cat AND (s.subcategory = '' OR s.subcategory = sub)
   ORDER BY array_position(ARRAY['national','province','city','builtup','county','town'], s.scope), s.id LIMIT 1;
  IF scope IS NULL THEN
    scope := 'county'; source := 'default';
  END IF;
  IF scope = 'builtup' THEN
    SELECT b.prefixes INTO prefixes FROM builtup_areas b
     WHERE EXISTS (SELECT 1 FROM unnest(b.prefixes) p WHERE starts_with(division, p)) ORDER BY b.id LIMIT 1;
    IF prefixes IS NULL THEN
      prefixes := ARRAY[left(division, 6)];
    END IF;
    RETURN;
  END IF;
  prefixes := ARRAY[left(division, CASE scope WHEN 'national' THEN 0 WHEN 'province' THEN 2 WHEN 'city' THEN 4
                                              WHEN 'county' THEN 6 ELSE 9 END)];
END $$;

-- scope_text says a scope in Chinese: 全国, 省（33）, 建成区（330602,330603）.
CREATE FUNCTION scope_text(scope text, prefixes text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE scope WHEN 'national' THEN '全国'
    ELSE CASE scope WHEN 'province' THEN '省' WHEN 'city' THEN '市' WHEN 'county' THEN '县' WHEN 'town' THEN '乡镇'
                    ELSE '建成区' END || '（' || array_to_string(prefixes, '、') || '）' END
$$;

-- place_clashes lists the current names of the category that have the
-- same name or the same toneless sound within the name's scope.
CREATE FUNCTION place_clashes(cat smallint, sub text, nm text, snd text, division text, exclude bigint[])
RETURNS TABLE (id bigint, name text, romanization text, category smallint, division_code text, status text,
               scope text, source text, prefixes text[])
LANGUAGE sql STABLE AS $$
  SELECT p.id, p.name, p.romanization, p.category, p.division_code, p.status, sc.scope, sc.source, sc.prefixes
    FROM naming_scope(cat, sub, division) sc
    JOIN places p ON p.status = 'current' AND p.category = cat AND (p.name = nm OR p.sound = snd)
                 AND p.id <> ALL (exclude)
                 AND EXISTS (SELECT 1 FROM unnest(sc.prefixes) x WHERE starts_with(p.division_code, x))
   ORDER BY p.name = nm DESC, p.id
   LIMIT 50
$$;

-- The guard: a current name written by any path (create, rename, approval,
-- import, street) is refused when it clashes. Writers of the same name or
-- sound in the category queue on advisory locks, so two concurrent
-- approvals cannot both pass. Names of divisions come from the division
-- process and official lists (their clashes go to the clean-up report).
CREATE FUNCTION places_naming_rule() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE c record;
BEGIN
  IF NEW.status <> 'current' OR NEW.source_division IS NOT NULL THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.status = 'current' AND OLD.name = NEW.name
     AND OLD.category = NEW.category AND OLD.subcategory = NEW.subcategory AND OLD.division_code = NEW.division_code THEN
    RETURN NEW;
  END IF;
  PERFORM pg_advisory_xact_lock(k)
     FROM (SELECT DISTINCT hashtextextended('place-name:' || NEW.category || ':' || x, 0) AS k
             FROM unnest(ARRAY[NEW.name, NEW.sound]) x ORDER BY 1) keys;
  SELECT * INTO c FROM place_clashes(NEW.category, NEW.subcategory, NEW.name, NEW.sound, NEW.division_code,
                                     ARRAY[NEW.id, coalesce(NEW.supersedes, 0)]) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION '%', CASE WHEN c.name = NEW.name
        THEN format('“%s”与已有地名重名：%s（#%s，%s），在%s范围内不应重名（依据：%s）', NEW.name, c.name, c.id,
                    c.division_code, scope_text(c.scope, c.prefixes), c.source)
        ELSE format('“%s”与已有地名同音（%s）：%s（#%s，%s），在%s范围内不应同音（依据：%s）', NEW.name, NEW.sound, c.name,
                    c.id, c.division_code, scope_text(c.scope, c.prefixes), c.source) END
      USING ERRCODE = '23505', CONSTRAINT = 'places_naming_rule',
            DETAIL = CASE WHEN c.name = NEW.name THEN 'same_name' ELSE 'same_sound' END;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER places_naming_rule BEFORE INSERT OR UPDATE OF name, category, subcategory, division_code, status
  ON places FOR EACH ROW EXECUTE FUNCTION places_naming_rule();
