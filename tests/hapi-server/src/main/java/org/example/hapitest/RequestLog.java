package org.example.hapitest;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingRequestWrapper;

/**
 * Test instrumentation: remembers the last FHIR requests (method, URL, Authorization header, and the body
 * of a batch or transaction POSTed to the base URL) so that the integration tests can check what the CDS
 * service sent. {@code GET /test-log/requests} lists them, {@code DELETE} clears them. Test tokens only;
 * never run this server with real credentials.
 */
@Component
@RestController
public class RequestLog extends OncePerRequestFilter {

	private static final int CAPACITY = 2000;
	private static final int MAX_BODY = 100_000;
	private static final long SETTLE_NANOS = 2_000_000_000L;
	private final Deque<Map<String, String>> requests = new ArrayDeque<>();
	private int inFlight; // FHIR requests not logged yet (guarded by requests)

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		if (!request.getRequestURI().startsWith("/fhir")) {
			chain.doFilter(request, response);
			return;
		}
		Map<String, String> entry = new LinkedHashMap<>();
		entry.put("method", request.getMethod());
		String query = request.getQueryString();
		entry.put("url", request.getRequestURI() + (query == null ? "" : "?" + query));
		String authorization = request.getHeader("Authorization");
		entry.put("authorization", authorization == null ? "" : authorization);
		boolean toBase = "POST".equals(request.getMethod())
				&& ("/fhir".equals(request.getRequestURI()) || "/fhir/".equals(request.getRequestURI()));
		ContentCachingRequestWrapper cached = toBase ? new ContentCachingRequestWrapper(request, MAX_BODY) : null;
		synchronized (requests) {
			inFlight++;
		}
		try {
			chain.doFilter(cached != null ? cached : request, response);
		} finally {
			if (cached != null) {
				entry.put("body", new String(cached.getContentAsByteArray(), StandardCharsets.UTF_8));
			}
			synchronized (requests) {
				if (requests.size() >= CAPACITY) {
					requests.removeFirst();
				}
				requests.addLast(entry);
				inFlight--;
				requests.notifyAll();
			}
		}
	}

	@GetMapping("/test-log/requests")
	public List<Map<String, String>> list() {
		synchronized (requests) {
			awaitLogged();
			return new ArrayList<>(requests);
		}
	}

	/**
	 * A request is logged after it is answered, so a client may have its answer before the log shows it: wait
	 * (at most SETTLE_NANOS) until every FHIR request received is logged. Called holding the lock.
	 */
	private void awaitLogged() {
		long until = System.nanoTime() + SETTLE_NANOS;
		try {
			while (inFlight > 0 && System.nanoTime() < until) {
				requests.wait(Math.max(1, (until - System.nanoTime()) / 1_000_000));
			}
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	@DeleteMapping("/test-log/requests")
	public Map<String, Integer> clear() {
		synchronized (requests) {
			awaitLogged();
			int cleared = requests.size();
			requests.clear();
			return Map.of("cleared", cleared);
		}
	}
}
