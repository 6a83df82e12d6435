package lang

// FoldBinary evaluates an arithmetic or bitwise operation on two
// constants with 64-bit wrap-around; it reports false for a division by
// zero or an operator it does not fold.
func FoldBinary(op string, a, b int64, signed bool) (int64, bool) {
	switch op {
	case "+":
		return a + b, true
	case "-":
		return a - b, true
	case "*":
		return a * b, true
	case "&":
		return a & b, true
	case "|":
		return a | b, true
	case "^":
		return a ^ b, true
	case "<<":
		return a << uint64(b&63), true
	case ">>":
		if signed {
			return a >> uint64(b&63), true
		}
		return int64(uint64(a) >> uint64(b&63)), true
	case "/", "%":
		if b == 0 {
			return 0, false
		}
		if signed {
			if op == "/" {
				return a / b, true
			}
			return a % b, true
		}
		if op == "/" {
			return int64(uint64(a) / uint64(b)), true
		}
		return int64(uint64(a) % uint64(b)), true
	}
	return 0, false
}
