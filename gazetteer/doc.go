// Package gazetteer keeps standard place names (标准地名): their
// parts, romanization, history, the naming and renaming workflow with its
// rule checks, search, and the place-name heritage list.
package gazetteer
