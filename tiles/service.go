package tiles

// Service holds the rules of this domain. It is filled in by its own work.
type Service struct{}
