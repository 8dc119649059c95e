// Package boundaries keeps administrative divisions with their codes and
// history, boundary lines between them, boundary markers (界桩) and joint
// inspections (联检).
package boundaries
