package catalog

import "testing"

func TestValidGTIN(t *testing.T) {
	valid := []string{"6901234567892", "4006381333931", "96385074", "036000291452", "10012345678902", "6920152400012"}
	invalid := []string{"6901234567891", "690123456789", "69012345678923", "", "abcdefghijklm", "6901234-67892", "4006381333932"}
	for _, c := range valid {
		if !ValidGTIN(c) {
			t.Errorf("%s should be valid", c)
		}
	}
	for _, c := range invalid {
		if ValidGTIN(c) {
			t.Errorf("%s should be invalid", c)
		}
	}
	if ValidEAN13("96385074") || !ValidEAN13("4006381333931") {
		t.Error("ValidEAN13 must accept only 13 digits")
	}
}
