// Package doorplate keeps standard addresses (GB/T 35639) and issues their
// digital doorplates: signed QR codes that open the public scan page.
package doorplate
