package org.example.hapitest;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
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

/**
 * Test instrumentation: remembers the last FHIR requests (method, URL, Authorization header) so that
 * the integration tests can check what the CDS service sent. {@code GET /test-log/requests} lists
 * them, {@code DELETE} clears them. Test tokens only; never run this server with real credentials.
 */
@Component
@RestController
public class RequestLog extends OncePerRequestFilter {

	private static final int CAPACITY = 2000;
	private final Deque<Map<String, String>> requests = new ArrayDeque<>();

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		if (request.getRequestURI().startsWith("/fhir")) {
			Map<String, String> entry = new LinkedHashMap<>();
			entry.put("method", request.getMethod());
			String query = request.getQueryString();
			entry.put("url", request.getRequestURI() + (query == null ? "" : "?" + query));
			String authorization = request.getHeader("Authorization");
			entry.put("authorization", authorization == null ? "" : authorization);
			synchronized (requests) {
				if (requests.size() >= CAPACITY) {
					requests.removeFirst();
				}
				requests.addLast(entry);
			}
		}
		chain.doFilter(request, response);
	}

	@GetMapping("/test-log/requests")
	public List<Map<String, String>> list() {
		synchronized (requests) {
			return new ArrayList<>(requests);
		}
	}

	@DeleteMapping("/test-log/requests")
	public Map<String, Integer> clear() {
		synchronized (requests) {
			int cleared = requests.size();
			requests.clear();
			return Map.of("cleared", cleared);
		}
	}
}
