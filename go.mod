module github.com/gtrace/gtrace

go 1.26.8

require (
	github.com/alecthomas/participle/v2 v2.1.4
	github.com/cilium/ebpf v0.22.0
	github.com/ulikunitz/xz v0.5.17
	golang.org/x/sys v0.49.0
)

require golang.org/x/tools v0.52.0 // indirect
