// Package e2e holds the browser journeys: real chromium against a real
// Upward on a real PostgreSQL. Only its tests have code.
package e2e
