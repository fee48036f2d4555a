package apitest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// WriteFirst is a client that writes its whole request before it reads a
// byte of the answer, as Python's urllib does: head (the request line and
// headers, without the blank line that ends them), then a body of n bytes,
// in 64 KiB chunks of chunked encoding if chunked, else with a
// Content-Length. It returns the answer, read whole (and, when it says
// Connection: close, the end of the connection after it), or the first
// failure, of a write or of the read. A server that closes while such a
// client still writes makes the write fail with a reset or a broken pipe.
func WriteFirst(addr, head string, n int, chunked bool) (*http.Response, []byte, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	w := bufio.NewWriterSize(c, 64<<10)
	if chunked {
		fmt.Fprintf(w, "%s\r\nTransfer-Encoding: chunked\r\n\r\n", head)
	} else {
		fmt.Fprintf(w, "%s\r\nContent-Length: %d\r\n\r\n", head, n)
	}
	chunk := strings.Repeat("x", 64<<10)
	for left := n; left > 0; left -= len(chunk) {
		part := chunk[:min(left, len(chunk))]
		if chunked {
			fmt.Fprintf(w, "%x\r\n%s\r\n", len(part), part)
		} else {
			w.WriteString(part)
		}
	}
	if chunked {
		w.WriteString("0\r\n\r\n")
	}
	if err := w.Flush(); err != nil {
		return nil, nil, fmt.Errorf("writing the request: %w", err)
	}
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	if resp.Close {
		// An answer that closes the connection is followed by its end
		// (the server shuts its sending side), not by a wait.
		c.SetReadDeadline(time.Now().Add(1500 * time.Millisecond))
		if _, err := r.ReadByte(); err != io.EOF {
			return nil, nil, fmt.Errorf("after an answer that closes the connection, %v instead of its end", err)
		}
	}
	return resp, body, nil
}
