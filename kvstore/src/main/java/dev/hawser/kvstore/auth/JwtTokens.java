package dev.hawser.kvstore.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Duration;
import java.util.Date;
import java.util.function.LongSupplier;

/**
 * etcd's "jwt" tokens: signed with the cluster's private key, checked by any member with the public key, valid until
 * their expiry whatever happens to the member that issued them, and never extended. The claims are etcd's
 * ({@code username}, {@code revision}, {@code exp}), so tokens are interchangeable with etcd's for the same keys.
 */
public final class JwtTokens implements TokenProvider {
    private final JWSAlgorithm algorithm;
    private final JWSSigner signer;
    private final JWSVerifier verifier;
    private final Duration ttl;
    private final LongSupplier wallMillis;

    JwtTokens(JWSAlgorithm algorithm, PrivateKey privateKey, PublicKey publicKey, Duration ttl, LongSupplier wallMillis) {
        this.algorithm = algorithm;
        this.ttl = ttl;
        this.wallMillis = wallMillis;
        try {
            if (JWSAlgorithm.Family.RSA.contains(algorithm)) {
                this.signer = new RSASSASigner(privateKey);
                this.verifier = new RSASSAVerifier((RSAPublicKey) publicKey);
            } else if (JWSAlgorithm.Family.EC.contains(algorithm)) {
                this.signer = new ECDSASigner((ECPrivateKey) privateKey);
                this.verifier = new ECDSAVerifier((ECPublicKey) publicKey);
            } else {
                throw new IllegalArgumentException("--auth-token: sign-method " + algorithm
                        + " is not supported; use RS256/384/512, PS256/384/512 or ES256/384/512");
            }
        } catch (JOSEException | ClassCastException e) {
            throw new IllegalArgumentException("--auth-token: the keys do not fit sign-method " + algorithm, e);
        }
    }

    @Override
    public Issued issue(String user, long authRevision) {
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .claim("username", user)
                .claim("revision", authRevision)
                .expirationTime(new Date(wallMillis.getAsLong() + ttl.toMillis()))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(algorithm), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("signing a token failed", e);
        }
        return new Issued(jwt.serialize(), null);
    }

    @Override
    public String verify(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            // Only the configured algorithm: a token may not choose how it is checked.
            if (!algorithm.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier)) {
                return null;
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date exp = claims.getExpirationTime();
            if (exp == null || exp.getTime() <= wallMillis.getAsLong()) {
                return null;
            }
            String user = claims.getStringClaim("username");
            return user == null || user.isEmpty() ? null : user;
        } catch (ParseException | JOSEException | RuntimeException e) {
            return null;
        }
    }
}
