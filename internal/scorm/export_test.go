package scorm

// WithParameters exposes the IMS rules joining an item's parameters to
// its href, for a table test.
var WithParameters = withParameters
