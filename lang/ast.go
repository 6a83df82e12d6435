package lang

import "github.com/gtrace/gtrace/lang/printf"

// The abstract syntax tree. Top-level items and statements are participle
// grammar nodes (their struct tags are the grammar); expressions are built
// by the precedence-climbing parser in expr.go. Every node embeds a Span.

// Node is any syntax tree node.
type Node interface {
	Loc() Span
}

// Program is a whole script. parseProgram (parser.go) parses it as its tag
// describes.
type Program struct {
	Span
	Items []Item `parser:"@@*"`

	// Filled in by Check.
	Probes   []*Probe
	Maps     map[string]*MapInfo
	Config   *Config
	Warnings []*Error
}

// Item is a top-level item: a probe, a config block, a preprocessor line...
type Item interface {
	Node
	item()
}

// Preproc is a C preprocessor line such as #include or #define.
type Preproc struct {
	Span
	Text string `parser:"@Preproc"`
}

// ConfigBlock is `config = { name = value; ... }`.
type ConfigBlock struct {
	Span
	Entries []*ConfigEntry `parser:"'config' '=' '{' ';'* (@@ ';'*)* '}' ';'*"`
}

// ConfigEntry is one `name = value` of a config block.
type ConfigEntry struct {
	Span
	Name  string `parser:"@Ident '='"`
	Value string `parser:"@(Int | String | Ident)"`
}

// Probe is an action block: attach points, an optional predicate and a body.
// parseProbe (parser.go) parses it as its tags describe.
type Probe struct {
	Span
	Attach []*AttachPoint `parser:"@@ (',' @@)* ','?"`
	Pred   Expr           `parser:"(PredStart @@ PredEnd)?"`
	Body   *Block         `parser:"@@"`

	// Filled in by Check: the parsed attach points, wildcards expanded.
	Points []*ProbePoint
	// Index of the probe among the program's probes.
	Index int
	// Variants are the compiled forms of the body, one program each.
	Variants []*Variant
}

// AttachPoint is one raw attach point as written, e.g. tracepoint:sched:*.
type AttachPoint struct {
	Span
	Raw string `parser:"@Attach"`
}

// CStruct is a C struct or union definition in the script, or nested in
// another's member (parseCStruct, cdefs_parse.go, parses it by hand).
type CStruct struct {
	Span
	Kind string // "struct" or "union"
	// Name is empty for an anonymous struct or union (nested only).
	Name string
	// Attrs are the __attribute__((...)) before and after the name and
	// after the closing brace.
	Attrs []*CAttr
	// Macros are words before the name: macros #defined as attributes
	// (#define __packed __attribute__((packed))).
	Macros []*CWord
	Fields []*CField
}

// CEnum is a C enum definition in the script: its enumerators become
// integer constants, and `enum Name` an int.
type CEnum struct {
	Span
	Name   string        `parser:"'enum' @Ident?"`
	Values []*CEnumValue `parser:"'{' (@@ (',' @@)* ','?)? '}' ';'*"`
}

// CEnumValue is one enumerator, with its value when written.
type CEnumValue struct {
	Span
	Name  string `parser:"@Ident"`
	Value string `parser:"('=' @('-'? Int))?"`
}

// CField is one member declaration of a CStruct: type words, pointer
// stars, the name, array dimensions, a bitfield width. A declaration of
// several members (`int a, b:3;`) gives one CField each, sharing Words
// or Def.
type CField struct {
	Span
	Words []string
	// WordSpans are where the words are, for errors about one of them.
	WordSpans []Span
	// Def is the member's type when it is defined in the member
	// (`struct b { int x; } inner;`, `union { ... };`); Words is empty.
	Def *CStruct
	// Enum is the member's type when it is an enum defined in the member.
	Enum  *CEnum
	Stars []string
	Name  string
	Dims  []string
	// Bits is a bitfield's width, "" for other members.
	Bits string
	// FuncPtr marks a pointer to a function: `void (*fn)(int);`.
	FuncPtr bool
	Attrs   []*CAttr
}

// CAttr is a C attribute, `__attribute__((packed))`; Text is what the
// double parentheses hold.
type CAttr struct {
	Span
	Text string
}

// CWord is a word with its position.
type CWord struct {
	Span
	Word string
}

// MapDecl declares a map's kind and size: let @name = lruhash(4096);
type MapDecl struct {
	Span
	Name string `parser:"'let' @Map '='"`
	Kind string `parser:"@Ident"`
	Size string `parser:"'(' @Int ')' ';'*"`
}

// Macro is `macro name(params) { body }`. A parameter is a scratch
// variable ($x: the call passes a variable, which the body may change), a
// map (@m) or a name (x: the call passes any expression, substituted
// wherever the body says x).
type Macro struct {
	Span
	Name   string   `parser:"'macro' @Ident"`
	Params []string `parser:"('(' (@(Var | Map | Ident) (',' @(Var | Map | Ident))*)? ')')?"`
	Body   *Block   `parser:"@@ ';'*"`
}

func (*Macro) item()       {}
func (*Preproc) item()     {}
func (*MapDecl) item()     {}
func (*CStruct) item()     {}
func (*CEnum) item()       {}
func (*ConfigBlock) item() {}
func (*Probe) item()       {}

// Block is a braced list of statements. Block.Parse (parser.go) parses it
// as its tag describes.
type Block struct {
	Span
	Stmts []Stmt `parser:"'{' ';'* @@* '}'"`
}

// Stmt is a statement.
type Stmt interface {
	Node
	stmt()
}

// ExprStmt is an expression or an assignment, as a statement. Op is empty
// for a plain expression statement, "=" or a compound operator otherwise.
// parseExprStmt (parser.go) parses it as its tags describe.
type ExprStmt struct {
	Span
	X     Expr   `parser:"@@"`
	Op    string `parser:"(@('=' | '+=' | '-=' | '*=' | '/=' | '%=' | '&=' | '|=' | '^=' | '<<=' | '>>=')"`
	Value Expr   `parser:" @@)?"`
	Semi  bool   `parser:"(@';' ';'*)?"`
	// discard marks `_ = x`, which the checker turns into the expression
	// statement x without the warning for a discarded value.
	discard bool
}

// LetStmt declares a scratch variable: let $x [: type] [= value].
type LetStmt struct {
	Span
	Var   string    `parser:"'let' @Var"`
	Type  *TypeSpec `parser:"(':' @@)?"`
	Value Expr      `parser:"('=' @@)?"`
	Semi  bool      `parser:"(@';' ';'*)?"`
	// Decl is the declared variable, set by Check.
	Decl *VarDecl
}

// IfStmt is if/else if/else.
type IfStmt struct {
	Span
	Cond Expr        `parser:"'if' @@"`
	Then *Block      `parser:"@@"`
	Else *ElseClause `parser:"('else' @@)? ';'*"`
}

// ElseClause is the else branch: another if, or a block.
type ElseClause struct {
	Span
	If    *IfStmt `parser:"  @@"`
	Block *Block  `parser:"| @@"`
}

// WhileStmt is a while loop.
type WhileStmt struct {
	Span
	Cond Expr   `parser:"'while' @@"`
	Body *Block `parser:"@@ ';'*"`
}

// UnrollStmt repeats its body Count times at compile time.
type UnrollStmt struct {
	Span
	Count Expr   `parser:"'unroll' '(' @@ ')'"`
	Body  *Block `parser:"@@ ';'*"`
	times int64  // Count's value, set by the checker
}

// Times is how many times the body repeats: Count's value, a literal or
// a positional parameter (set by Check).
func (s *UnrollStmt) Times() int64 { return s.times }

// ForStmt iterates over a map's entries (End is nil and First is the map)
// or over the integer range First..End.
// The parentheses around the loop head are optional, as in the newest
// bpftrace: for $i : 0..10 { }.
type ForStmt struct {
	Span
	Open  bool     `parser:"'for' @'('?"`
	Var   *LoopVar `parser:"@@ ':'"`
	First Expr     `parser:"@@"`
	End   Expr     `parser:"('..' @@)?"`
	Close bool     `parser:"@')'?"`
	Body  *Block   `parser:"@@ ';'*"`
	// Decl is the loop variable, set by Check.
	Decl *VarDecl
}

// LoopVar is the variable a for loop declares.
type LoopVar struct {
	Span
	Name string `parser:"@Var"`
}

// JumpStmt is return, break or continue. A return may carry a value, the
// probe program's return value (newest bpftrace: `return 1;` fails a test
// probe); parseReturn parses it.
type JumpStmt struct {
	Span
	Kind string `parser:"@('return' | 'break' | 'continue')"`
	Semi bool   `parser:"(@';' ';'*)?"`
	// Value is what return returns, nil for none.
	Value Expr
}

// BlockStmt is a nested block.
type BlockStmt struct {
	Span
	Block *Block `parser:"@@ ';'*"`
}

func (*ExprStmt) stmt()   {}
func (*LetStmt) stmt()    {}
func (*IfStmt) stmt()     {}
func (*WhileStmt) stmt()  {}
func (*UnrollStmt) stmt() {}
func (*ForStmt) stmt()    {}
func (*JumpStmt) stmt()   {}
func (*BlockStmt) stmt()  {}

// TypeSpec is a type as written in a cast or declaration, e.g. uint8,
// struct task_struct *, int8[4].
type TypeSpec struct {
	Span
	Name string // "uint8", "struct task_struct", ...
	// Typeof, when set, is typeof(expression): the expression's type
	// stands for Name.
	Typeof Expr
	// Suffixes applied left to right: -1 for a pointer, N >= 0 for [N].
	Suffix []int
	// wrapped marks typeof(type): never an expression in parentheses.
	wrapped bool
}

// Expr is an expression.
type Expr interface {
	Node
	// Type is the expression's static type, set by Check.
	Type() *Type
	setType(*Type)
}

type typed struct{ ty *Type }

func (t *typed) Type() *Type      { return t.ty }
func (t *typed) setType(ty *Type) { t.ty = ty }

// IntLit is an integer literal.
type IntLit struct {
	Span
	typed
	Value uint64
	Text  string
}

// StrLit is a string literal, escapes already decoded.
type StrLit struct {
	Span
	typed
	Value string
}

// BoolLit is true or false.
type BoolLit struct {
	Span
	typed
	Value bool
}

// Ident is a bare identifier: a builtin such as pid or comm, an enum
// constant, or a macro used without arguments.
type Ident struct {
	Span
	typed
	Name string
	// Probe is the point the builtin `probe` names (set when constant).
	Probe *ProbePoint
	// Const is set for a constant (a kernel enum constant or a #define),
	// whose value is Value, or Str for a string.
	Const bool
	Value int64
	Str   string
}

// Var is a scratch variable $name.
type Var struct {
	Span
	typed
	Name string
	// Decl is the variable this name refers to, set by Check.
	Decl *VarDecl
}

// Positional is a positional parameter $N, or $# when Count is set.
// Check resolves it to a constant: Int, or Str when used as a string.
type Positional struct {
	Span
	typed
	N     int
	Count bool
	Int   int64
	Str   string
	skip  int // bytes of the value str($N + skip) leaves out
}

// MapExpr is a map, with keys when indexed: @name or @name[k1, k2].
type MapExpr struct {
	Span
	typed
	Name    string
	Keys    []Expr
	Indexed bool // written with [...]
}

// Call is a function call f(args).
type Call struct {
	Span
	typed
	Name string
	Args []Expr
	// Format is the parsed format string of printf-like calls, set by Check.
	Format *printf.Format
	// Expansion is set by Check for a function defined as another
	// expression (ppid() is curtask->real_parent->pid, is_str(x) a bool
	// literal): the call has its type, and code generation lowers it.
	Expansion Expr
}

// Binary is a binary operation.
type Binary struct {
	Span
	typed
	Op   string
	L, R Expr
}

// Unary is a prefix operation: - ! ~ * &.
type Unary struct {
	Span
	typed
	Op string
	X  Expr
}

// IncDec is ++ or -- on a variable or map, prefix or postfix.
type IncDec struct {
	Span
	typed
	Op     string
	Prefix bool
	X      Expr
}

// Ternary is cond ? a : b, or the expression if (cond) { a } else { b }.
type Ternary struct {
	Span
	typed
	Cond, Then, Else Expr
	// Chosen is set by Check for `if comptime (cond) { a } else { b }`:
	// the branch the condition takes, the only one checked and compiled.
	Chosen Expr
}

// Tuple is (a, b, ...).
type Tuple struct {
	Span
	typed
	Elems []Expr
}

// Record is (name = value, ...): a tuple whose fields have names.
type Record struct {
	Span
	typed
	Names  []string
	Values []Expr
}

// FieldExpr is x.name, x->name, or x.N on a tuple.
type FieldExpr struct {
	Span
	typed
	X     Expr
	Name  string
	Arrow bool
	// Set by Check: the field's byte offset in its struct or tuple, and how
	// to extract it when it is a bitfield.
	Offset   int
	Bitfield *Bitfield
}

// IndexExpr is x[i].
type IndexExpr struct {
	Span
	typed
	X, Index Expr
}

// Cast is (type)x.
type Cast struct {
	Span
	typed
	To *TypeSpec
	X  Expr
	// implicit marks a conversion the checker added (convertInt).
	implicit bool
}

// BlockExpr is a block used as an expression: { statements; value }. The
// value is the last statement when it is an expression without a ';'.
type BlockExpr struct {
	Span
	typed
	Block *Block
	// Value is set by Parse from the block's last statement.
	Value Expr
}

// OffsetofExpr is offsetof(type, field[.field...]).
type OffsetofExpr struct {
	Span
	typed
	Of     *TypeSpec
	Fields []string
	Offset int // set by Check
}

// TypeofExpr is typeof(type or expression) where an expression goes: a
// macro's argument that stands for a type in the macro's body.
type TypeofExpr struct {
	Span
	typed
	Of *TypeSpec
}

// SizeofExpr is sizeof(type) or sizeof(expr).
type SizeofExpr struct {
	Span
	typed
	Of   *TypeSpec
	X    Expr
	Size int // set by Check
}
