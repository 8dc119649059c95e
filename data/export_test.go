package data

// Translate exposes translate to the external tests.
var Translate = translate
