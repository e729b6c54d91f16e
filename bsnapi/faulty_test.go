package bsnapi_test

import (
	"context"
	"sync"
	"time"

	"github.com/icpcheck/icpcheck"
)

// faultyStore is the real store with failures injected on demand: keys fail the signature's
// look-ups, ledger fails the operations' calls. The tests use it to see what a client is told
// when the store breaks or the database is unreachable.
type faultyStore struct {
	icpcheck.Store
	mu           sync.Mutex
	keys, ledger error
}

// fail sets the errors the store returns from now on; nil restores it.
func (s *faultyStore) fail(keys, ledger error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys, s.ledger = keys, ledger
}

func (s *faultyStore) errors() (keys, ledger error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys, s.ledger
}

func (s *faultyStore) FindAccessKey(ctx context.Context, id string) (*icpcheck.AccessKey, error) {
	if err, _ := s.errors(); err != nil {
		return nil, err
	}
	return s.Store.FindAccessKey(ctx, id)
}

func (s *faultyStore) UseNonce(ctx context.Context, keyID, nonce string, expires time.Time) error {
	if err, _ := s.errors(); err != nil {
		return err
	}
	return s.Store.UseNonce(ctx, keyID, nonce, expires)
}

func (s *faultyStore) FindNumber(ctx context.Context, sn string) (*icpcheck.ServiceNumber, error) {
	if _, err := s.errors(); err != nil {
		return nil, err
	}
	return s.Store.FindNumber(ctx, sn)
}

func (s *faultyStore) IssueNumbers(ctx context.Context, req icpcheck.IssueRequest) ([]*icpcheck.ServiceNumber, error) {
	if _, err := s.errors(); err != nil {
		return nil, err
	}
	return s.Store.IssueNumbers(ctx, req)
}
