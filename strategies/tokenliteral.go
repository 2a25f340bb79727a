package strategies

// tokenLiteralInfo is the token read word for word: a token finishes once
// every older token is closed, whether or not it has finished.
var tokenLiteralInfo = Info{
	Name: "token-literal",
	Origin: "Alexey Kuznetsov's sk_transaction_token, relayed by Vladislav Bolkhovitin (netdev, 23 Dec 2008), " +
		"\"when io_count == 0 *AND* all previous tokens closed\", read literally: all previous tokens closed, " +
		"not necessarily finished",
	Mechanism: tokenMechanism + "is closed (not necessarily finished)",
	Sound:     false,
	Violates:  []Property{P2, P4},
	Expected: "flawed: a command appended onto an older command's skb counts on that older token, so its own " +
		"token has io_count zero and finishes at close while the skb still holds its bytes",
	CPU:    tokenInfo.CPU,
	Memory: tokenInfo.Memory,
}

func newTokenLiteral(env Env) Design { return newTokenReading(env, tokenLiteralInfo, true) }
