package app

import "sync"

// pendingMaxWait is the most refresh rounds between two lookups of a
// followed channel never found (an hour at ChannelRefresh).
const pendingMaxWait = 4

// pendingLookups spaces out the lookups of followed channels never found
// (pending): each is a full DHT lookup, and one whose item is found but
// whose index nobody serves also waits for that index, every round. After
// each round that leaves a channel pending it waits twice as many rounds
// (1, 2, 4, then every pendingMaxWait). Held in memory: a restart looks
// every pending channel up again at once.
type pendingLookups struct {
	mu     sync.Mutex
	round  int
	misses map[string]pendingMiss // channel key (public key + salt)
}

type pendingMiss struct{ count, next int }

// newRound starts a refresh round.
func (p *pendingLookups) newRound() {
	p.mu.Lock()
	p.round++
	p.mu.Unlock()
}

// due says whether the pending channel key is looked up this round.
func (p *pendingLookups) due(key string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, ok := p.misses[key]
	return !ok || p.round >= m.next
}

// looked notes a lookup of key this round and whether it left the channel
// pending.
func (p *pendingLookups) looked(key string, stillPending bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !stillPending {
		delete(p.misses, key)
		return
	}
	if p.misses == nil {
		p.misses = map[string]pendingMiss{}
	}
	m := p.misses[key]
	m.count++
	m.next = p.round + min(1<<min(m.count-1, 8), pendingMaxWait)
	p.misses[key] = m
}
