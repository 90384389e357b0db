package dev.hawser.orchestrator.apiserver;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import java.security.cert.X509Certificate;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Who is calling: a bearer token from the token file, else a client certificate verified against the
 * client CA (CN = user, O = groups, as kube-apiserver reads them).
 */
public final class Authenticator {
    private final TokenAuthenticator tokens;
    private final boolean clientCertificates;

    public Authenticator(TokenAuthenticator tokens, boolean clientCertificates) {
        this.tokens = tokens;
        this.clientCertificates = clientCertificates;
    }

    Optional<User> authenticate(String authorization, X509Certificate peer) {
        if (tokens != null && authorization != null && !authorization.isEmpty()) {
            return tokens.authenticate(authorization);
        }
        if (clientCertificates && peer != null) {
            return fromCertificate(peer);
        }
        return Optional.empty();
    }

    static Optional<User> fromCertificate(X509Certificate cert) {
        try {
            String cn = null;
            Set<String> groups = new LinkedHashSet<>();
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    cn = rdn.getValue().toString();
                } else if (rdn.getType().equalsIgnoreCase("O")) {
                    groups.add(rdn.getValue().toString());
                }
            }
            if (cn == null || cn.isEmpty()) {
                return Optional.empty();
            }
            groups.add("system:authenticated");
            return Optional.of(new User(cn, Set.copyOf(groups)));
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
    }
}
