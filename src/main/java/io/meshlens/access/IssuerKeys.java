package io.meshlens.access;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.CachingJWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetParseException;
import com.nimbusds.jose.jwk.source.JWKSetRetrievalException;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSetSourceWrapper;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.OutageTolerantJWKSetSource;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jose.util.ResourceRetriever;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.text.ParseException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * The issuer's signing keys, fetched from its JWKS and cached.
 *
 * <p>Nimbus' own JWK set sources do most of the work (cache for {@code jwks-refresh-interval}, last
 * good keys kept for {@code jwks-outage-tolerance} while the issuer is unreachable); this class
 * drives them with an injected {@link Clock} (so tests need not sleep), finds the JWKS URL through
 * the issuer's discovery document when none is configured, and fetches at most once per {@code
 * jwks-min-refetch-interval}, so tokens with made-up key ids cannot make Meshlens hammer the
 * issuer. (Nimbus' {@code RateLimitedJWKSetSource} allows two fetches per interval.)
 */
final class IssuerKeys implements JWKSource<SecurityContext> {

  private static final Logger LOG = Logger.getLogger(IssuerKeys.class);

  private final JWKSetSource<SecurityContext> source;
  private final Clock clock;

  IssuerKeys(OidcSettings settings, Clock clock) {
    this(
        settings,
        // Nimbus' defaults (500 ms, 50 KB) are tight for an issuer in another region or with
        // many keys; a fetch happens at most once per jwks-min-refetch-interval anyway.
        new DefaultResourceRetriever(2_000, 2_000, 256 * 1024),
        clock);
  }

  IssuerKeys(OidcSettings settings, ResourceRetriever http, Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    // The order JWKSourceBuilder uses: remote, outage tolerance, rate limit, cache.
    JWKSetSource<SecurityContext> s = new Remote(settings, http);
    s = new OutageTolerantJWKSetSource<>(s, settings.jwksOutageTolerance().toMillis(), null);
    s = new OncePerInterval(s, settings.jwksMinRefetchInterval().toMillis());
    this.source =
        new CachingJWKSetSource<>(
            s,
            settings.jwksRefreshInterval().toMillis(),
            JWKSourceBuilder.DEFAULT_CACHE_REFRESH_TIMEOUT,
            null);
  }

  /**
   * The keys the selector matches; when none does, the JWKS is fetched again once (the issuer may
   * have rotated its keys) unless that happened less than {@code jwks-min-refetch-interval} ago.
   *
   * @throws KeySourceException when no keys can be had at all (issuer unreachable, bad JWKS)
   */
  @Override
  public List<JWK> get(JWKSelector selector, SecurityContext context) throws KeySourceException {
    // Nimbus' JWKSetBasedJWKSource does the same with System.currentTimeMillis().
    long now = clock.millis();
    JWKSet keys = source.getJWKSet(JWKSetCacheRefreshEvaluator.noRefresh(), now, context);
    List<JWK> matched = selector.select(keys);
    if (!matched.isEmpty()) {
      return matched;
    }
    try {
      return selector.select(
          source.getJWKSet(JWKSetCacheRefreshEvaluator.referenceComparison(keys), now, context));
    } catch (RateLimitReachedException e) {
      return List.of(); // fetched recently: the key id is simply unknown
    }
  }

  /** Lets a fetch through only when the previous one is at least the interval old. */
  private static final class OncePerInterval extends JWKSetSourceWrapper<SecurityContext> {

    private final long minIntervalMillis;
    private final ReentrantLock lock = new ReentrantLock();
    private long lastFetch;
    private boolean fetched;

    OncePerInterval(JWKSetSource<SecurityContext> source, long minIntervalMillis) {
      super(source);
      this.minIntervalMillis = minIntervalMillis;
    }

    @Override
    public JWKSet getJWKSet(
        JWKSetCacheRefreshEvaluator refreshEvaluator, long currentTime, SecurityContext context)
        throws KeySourceException {
      lock.lock();
      try {
        if (fetched && currentTime - lastFetch < minIntervalMillis) {
          throw new RateLimitReachedException();
        }
        fetched = true;
        lastFetch = currentTime;
      } finally {
        lock.unlock();
      }
      return getSource().getJWKSet(refreshEvaluator, currentTime, context);
    }
  }

  /** One fetch of the JWKS, finding its URL in the discovery document first if need be. */
  private static final class Remote implements JWKSetSource<SecurityContext> {

    private final OidcSettings settings;
    private final ResourceRetriever http;
    private volatile URL jwksUrl;

    Remote(OidcSettings settings, ResourceRetriever http) {
      this.settings = settings;
      this.http = http;
      this.jwksUrl = settings.jwksUrl().orElse(null);
    }

    @Override
    public JWKSet getJWKSet(
        JWKSetCacheRefreshEvaluator refreshEvaluator, long currentTime, SecurityContext context)
        throws KeySourceException {
      URL url = jwksUrl;
      if (url == null) {
        url = discover();
        jwksUrl = url;
      }
      String body;
      try {
        body = http.retrieveResource(url).getContent();
      } catch (IOException e) {
        LOG.warnf("cannot fetch the JWKS of %s from %s: %s", settings.issuer(), url, e.toString());
        throw new JWKSetRetrievalException("cannot fetch the JWKS from " + url, e);
      }
      try {
        return JWKSet.parse(body);
      } catch (ParseException e) {
        LOG.warnf("the JWKS at %s is not a JWK set: %s", url, e.getMessage());
        throw new JWKSetParseException("the JWKS at " + url + " is not a JWK set", e);
      }
    }

    private URL discover() throws KeySourceException {
      URL discovery = settings.discoveryUrl();
      try {
        Map<String, Object> doc =
            JSONObjectUtils.parse(http.retrieveResource(discovery).getContent());
        String issuer = JSONObjectUtils.getString(doc, "issuer");
        if (!settings.issuer().equals(issuer)) {
          // OpenID Connect Discovery 1.0, section 4.3: the document must name the same issuer.
          throw new ParseException(
              "its issuer '" + issuer + "' is not the configured '" + settings.issuer() + "'", 0);
        }
        URI jwks = JSONObjectUtils.getURI(doc, "jwks_uri");
        if (jwks == null || !jwks.isAbsolute()) {
          throw new ParseException("no absolute jwks_uri", 0);
        }
        URL url = jwks.toURL();
        LOG.infof("JWKS of %s: %s (from %s)", settings.issuer(), url, discovery);
        return url;
      } catch (IOException | ParseException | IllegalArgumentException e) {
        LOG.warnf("cannot read the JWKS URL from %s: %s", discovery, e.toString());
        throw new JWKSetRetrievalException("cannot read the JWKS URL from " + discovery, e);
      }
    }

    @Override
    public void close() {}
  }
}
