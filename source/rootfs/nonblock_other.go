//go:build !unix

package rootfs

// oNonblock is not needed where opening a named pipe cannot block the way
// a Unix FIFO does.
const oNonblock = 0
