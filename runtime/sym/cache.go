package sym

import (
	"os"
	"sync"
	"syscall"
	"time"
)

// Cache holds parsed binaries, keyed by the file's identity (device,
// inode, size and modification time) so that one library mapped by many
// processes, or reached through several paths, is read once, and a file
// replaced on disk is read again. It is safe for concurrent use.
type Cache struct {
	mu   sync.Mutex
	bins map[fileID]*cacheEntry
}

// fileID identifies a file's contents.
type fileID struct {
	dev, ino uint64
	size     int64
	mtime    time.Time
}

type cacheEntry struct {
	once sync.Once
	bin  *Binary
	err  error
}

// NewCache returns an empty cache.
func NewCache() *Cache {
	return &Cache{bins: map[fileID]*cacheEntry{}}
}

// Open returns the parsed binary at path, reading it on first use.
func (c *Cache) Open(path string) (*Binary, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	id := fileID{size: fi.Size(), mtime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id.dev, id.ino = uint64(st.Dev), st.Ino
	}
	c.mu.Lock()
	e := c.bins[id]
	if e == nil {
		e = &cacheEntry{}
		c.bins[id] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.bin, e.err = openBinary(path) })
	return e.bin, e.err
}
