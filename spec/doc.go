// Package spec holds the language reference (language.md) and the
// conformance cases: scripts whose output gtrace must reproduce exactly as
// bpftrace prints it. The cases run end to end on the real kernel with
// `go test ./spec`; `go test ./spec -update` re-records the expected
// output from an installed bpftrace. Cases in pending/ cover features not
// implemented yet; they move to cases/ when the feature lands.
package spec
