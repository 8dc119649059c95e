-- The document file of a naming report (DOMAIN.md §1.2: the assessment,
-- expert review, consultation and risk reports): PDF, OFD, DOCX or a scan.
-- Kept in the database so a report and its file commit (or fail) together,
-- are backed up together and are read through the same scope checks. A
-- file is never changed or deleted; a corrected report is a new report.
CREATE TABLE naming_files (
  id           bigserial PRIMARY KEY,
  report_id    bigint NOT NULL UNIQUE REFERENCES naming_reports(id),
  filename     text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
  content_type text NOT NULL CHECK (content_type IN ('application/pdf','application/ofd',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document','image/jpeg','image/png')),
  size         integer NOT NULL CHECK (size BETWEEN 1 AND 10485760),
  sha256       bytea NOT NULL CHECK (length(sha256) = 32),
  content      bytea NOT NULL CHECK (length(content) = size),
  uploaded_by  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION naming_files_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'report files are never changed or deleted: % refused', TG_OP USING ERRCODE = '42501';
END $$;
CREATE TRIGGER naming_files_fixed BEFORE UPDATE OR DELETE ON naming_files FOR EACH ROW EXECUTE FUNCTION naming_files_fixed();
