package wechat

import (
	"encoding/json"
	"errors"
	"sync"
	"time"
)

// memCache is the access-token cache handed to PowerWeChat instead of its
// default, which writes ~/.ArtisanCloud/cache and is a process-wide
// singleton. It is per process on purpose: tokens come from stable_token,
// which gives every process the same token, so there is nothing to share
// and no process can invalidate another's token.
//
// PowerWeChat stores a struct and reads back a map with a float64
// expires_in, so values go through JSON, as its own caches do.
type memCache struct {
	mu sync.Mutex
	m  map[string]cacheItem
}

type cacheItem struct {
	b   []byte
	exp time.Time
}

func newMemCache() *memCache { return &memCache{m: map[string]cacheItem{}} }

func (c *memCache) get(k string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.m[k]
	if !ok || (!it.exp.IsZero() && time.Now().After(it.exp)) {
		delete(c.m, k)
		return nil, false
	}
	return it.b, true
}

// Get implements PowerWeChat's CacheInterface.
func (c *memCache) Get(k string, def interface{}) (interface{}, error) {
	b, ok := c.get(k)
	if !ok {
		return def, errors.New("cache miss")
	}
	var v interface{}
	err := json.Unmarshal(b, &v)
	return v, err
}

// Set implements PowerWeChat's CacheInterface. Entries expire a minute early
// so a token is never used in its last seconds.
func (c *memCache) Set(k string, v interface{}, ttl time.Duration) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var exp time.Time
	if ttl > 0 {
		exp = time.Now().Add(ttl - min(time.Minute, ttl/10))
	}
	c.mu.Lock()
	c.m[k] = cacheItem{b, exp}
	c.mu.Unlock()
	return nil
}

// Has implements PowerWeChat's CacheInterface.
func (c *memCache) Has(k string) bool { _, ok := c.get(k); return ok }

// AddNX implements PowerWeChat's CacheInterface.
func (c *memCache) AddNX(k string, v interface{}, ttl time.Duration) bool {
	if c.Has(k) {
		return false
	}
	return c.Set(k, v, ttl) == nil
}

// Add implements PowerWeChat's CacheInterface.
func (c *memCache) Add(k string, v interface{}, ttl time.Duration) error {
	if c.Has(k) {
		return errors.New("key exists")
	}
	return c.Set(k, v, ttl)
}

// Remember implements PowerWeChat's CacheInterface.
func (c *memCache) Remember(k string, ttl time.Duration, cb func() (interface{}, error)) (interface{}, error) {
	if v, err := c.Get(k, nil); err == nil {
		return v, nil
	}
	v, err := cb()
	if err != nil {
		return nil, err
	}
	return v, c.Set(k, v, ttl)
}
