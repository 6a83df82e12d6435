package printf

import (
	"strconv"
	"strings"
)

// GFP flag bits, from the kernel's include/linux/gfp_types.h (bit 9 unused).
const (
	gfpDMA uint64 = 1 << iota
	gfpHighmem
	gfpDMA32
	gfpMovable
	gfpReclaimable
	gfpHigh
	gfpIO
	gfpFS
	gfpZero
	_
	gfpDirectReclaim
	gfpKswapdReclaim
	gfpWrite
	gfpNowarn
	gfpRetryMayfail
	gfpNofail
	gfpNoretry
	gfpMemalloc
	gfpComp
	gfpNomemalloc
	gfpHardwall
	gfpThisnode
	gfpAccount
	gfpZerotags
	gfpSkipZero
	gfpSkipKasan
	gfpNoObjExt
)

// Compound GFP masks.
const (
	gfpReclaim         = gfpDirectReclaim | gfpKswapdReclaim
	gfpKernel          = gfpReclaim | gfpIO | gfpFS
	gfpNoFS            = gfpReclaim | gfpIO
	gfpUser            = gfpNoFS | gfpFS | gfpHardwall
	gfpHighuser        = gfpUser | gfpHighmem
	gfpHighuserMovable = gfpHighuser | gfpMovable | gfpSkipKasan
	gfpTranshugeLight  = (gfpHighuserMovable | gfpComp | gfpNomemalloc | gfpNowarn) &^ gfpReclaim
)

// gfpNames lists the masks %gr names, in the kernel's __def_gfpflag_names
// order (the order the newest bpftrace uses): the first masks that match
// take their bits, and bits left over print in hex.
var gfpNames = []struct {
	mask uint64
	name string
}{
	{gfpTranshugeLight | gfpDirectReclaim, "GFP_TRANSHUGE"},
	{gfpTranshugeLight, "GFP_TRANSHUGE_LIGHT"},
	{gfpHighuserMovable, "GFP_HIGHUSER_MOVABLE"},
	{gfpHighuser, "GFP_HIGHUSER"},
	{gfpUser, "GFP_USER"},
	{gfpKernel | gfpAccount, "GFP_KERNEL_ACCOUNT"},
	{gfpKernel, "GFP_KERNEL"},
	{gfpNoFS, "GFP_NOFS"},
	{gfpHigh | gfpKswapdReclaim, "GFP_ATOMIC"},
	{gfpReclaim, "GFP_NOIO"},
	{gfpKswapdReclaim | gfpNowarn, "GFP_NOWAIT"},
	{gfpDMA, "GFP_DMA"},
	{gfpHighmem, "__GFP_HIGHMEM"},
	{gfpDMA32, "GFP_DMA32"},
	{gfpHigh, "__GFP_HIGH"},
	{gfpIO, "__GFP_IO"},
	{gfpFS, "__GFP_FS"},
	{gfpZero, "__GFP_ZERO"},
	{gfpDirectReclaim, "__GFP_DIRECT_RECLAIM"},
	{gfpKswapdReclaim, "__GFP_KSWAPD_RECLAIM"},
	{gfpWrite, "__GFP_WRITE"},
	{gfpNowarn, "__GFP_NOWARN"},
	{gfpRetryMayfail, "__GFP_RETRY_MAYFAIL"},
	{gfpNofail, "__GFP_NOFAIL"},
	{gfpNoretry, "__GFP_NORETRY"},
	{gfpMemalloc, "__GFP_MEMALLOC"},
	{gfpComp, "__GFP_COMP"},
	{gfpNomemalloc, "__GFP_NOMEMALLOC"},
	{gfpHardwall, "__GFP_HARDWALL"},
	{gfpThisnode, "__GFP_THISNODE"},
	{gfpAccount, "__GFP_ACCOUNT"},
	{gfpZerotags, "__GFP_ZEROTAGS"},
	{gfpSkipZero, "__GFP_SKIP_ZERO"},
	{gfpSkipKasan, "__GFP_SKIP_KASAN"},
	{gfpNoObjExt, "__GFP_NO_OBJ_EXT"},
}

// gfpText names the GFP flags in n, e.g. "GFP_KERNEL|__GFP_ZERO", or "0".
func gfpText(n uint64) string {
	if n == 0 {
		return "0"
	}
	var parts []string
	for _, g := range gfpNames {
		if n&g.mask == g.mask {
			parts = append(parts, g.name)
			n &^= g.mask
		}
	}
	if n != 0 {
		parts = append(parts, "0x"+strconv.FormatUint(n, 16))
	}
	return strings.Join(parts, "|")
}
