// Package boundaries keeps administrative divisions with their codes and
// history, boundary lines between them, boundary markers (界桩) and joint
// inspections (联检).
//
// Divisions come from three importers (NBS five-level lists, the MCA code
// history, polygons from GeoJSON) and from the generated demo county,
// DemoCountyCode (330699, a code that does not exist in the real lists),
// whose rows are all marked generated. Other domains may rely on the demo
// county existing after `diming demo` or `make run`.
package boundaries
