package tupu

import (
	"errors"
	"fmt"
)

// Code is a machine-readable error class. Its value is the wire string
// clients see in extensions.code.
type Code string

// The codes of the public contract.
const (
	NotFound        Code = "NOT_FOUND"
	BadUserInput    Code = "BAD_USER_INPUT"
	Unauthenticated Code = "UNAUTHENTICATED"
	Forbidden       Code = "FORBIDDEN"
	Conflict        Code = "CONFLICT"
	Ambiguous       Code = "AMBIGUOUS" // a name that more than one entity holds
	ComplexityLimit Code = "COMPLEXITY_LIMIT"
	Unavailable     Code = "UNAVAILABLE"
	// HistoryReset refuses a position in the history (a cursor of
	// changes) from before a restore or an import: the history it points
	// into was replaced, and the client must read the graph afresh.
	HistoryReset Code = "HISTORY_RESET"
	Internal     Code = "INTERNAL"
)

// InternalMessage is all a client learns of an unexpected error.
const InternalMessage = "internal error"

// Error is an error meant for the user: a code and a message safe to show.
type Error struct {
	Code    Code
	Message string
	// Extensions are machine-readable details shown beside the code in
	// the error's extensions (AMBIGUOUS: "candidates").
	Extensions map[string]any
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err: the code of the first *Error in its
// chain, or Internal for anything else.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ErrorMessage returns the message to show for err. Errors that are not an
// *Error may carry paths or internals, so they get a fixed message.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return InternalMessage
}
