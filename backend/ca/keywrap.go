package ca

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
)

// sealedKeyAAD binds a sealed CA key to its purpose, so a sealed blob of
// another kind cannot be swapped in.
var sealedKeyAAD = []byte("cardagent-ca-key-v1")

// SealKey encrypts a private key at rest with AES-256-GCM under wrapKey
// (32 bytes): nonce || ciphertext.
func SealKey(key any, wrapKey []byte) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encoding CA key: %w", err)
	}
	defer clear(der)
	return Seal(wrapKey, der, sealedKeyAAD)
}

// OpenKey decrypts a key sealed by SealKey.
func OpenKey(sealed, wrapKey []byte) (any, error) {
	der, err := Open(wrapKey, sealed, sealedKeyAAD)
	if err != nil {
		return nil, fmt.Errorf("decrypting CA key (wrong backend secret?): %w", err)
	}
	defer clear(der)
	return x509.ParsePKCS8PrivateKey(der)
}

// Seal encrypts plaintext with AES-256-GCM; aad is authenticated, not stored.
func Seal(key, plaintext, aad []byte) ([]byte, error) {
	g, err := gcm(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, g.NonceSize(), g.NonceSize()+len(plaintext)+g.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, err
	}
	return g.Seal(out, out, plaintext, aad), nil
}

// Open decrypts what Seal produced.
func Open(key, sealed, aad []byte) ([]byte, error) {
	g, err := gcm(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < g.NonceSize()+g.Overhead() {
		return nil, errors.New("sealed data too short")
	}
	return g.Open(nil, sealed[:g.NonceSize()], sealed[g.NonceSize():], aad)
}

func gcm(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("wrap key is %d bytes, want 32", len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}
