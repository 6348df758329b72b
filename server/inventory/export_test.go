package inventory

// Waiting is how many checkouts wait in Admit for units to come back.
func (s *Service) Waiting() int {
	s.gate.mu.Lock()
	defer s.gate.mu.Unlock()
	return s.gate.waiting
}
