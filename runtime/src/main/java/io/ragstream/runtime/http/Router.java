package io.ragstream.runtime.http;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Exact path routing with path parameters, because {@code HttpServer} contexts match by prefix ({@code /health}
 * would also answer {@code /healthz}) and know nothing of methods. A pattern is a path whose segments are literals,
 * {@code {name}} (one segment) or, last only, {@code {name...}} (the rest, slashes included, for ids such as file
 * paths). A path that no route matches is a 404; a path that matches only with another method is a 405 with
 * {@code Allow}. Wrap the router in {@link SafeHandler} to serve it.
 */
public final class Router implements RequestHandler {
  private record Route(String method, List<String> segments, RequestHandler handler) {}

  private final List<Route> routes = new ArrayList<>();

  /** Adds a route; the first registered route that matches wins. */
  public Router route(String method, String pattern, RequestHandler handler) {
    if (!pattern.startsWith("/")) {
      throw new IllegalArgumentException("pattern must start with /: " + pattern);
    }
    List<String> segments = segments(pattern);
    for (int i = 0; i < segments.size() - 1; i++) {
      if (segments.get(i).endsWith("...}")) {
        throw new IllegalArgumentException("{name...} must be the last segment: " + pattern);
      }
    }
    routes.add(new Route(method, segments, handler));
    return this;
  }

  public Router get(String pattern, RequestHandler handler) {
    return route("GET", pattern, handler);
  }

  public Router post(String pattern, RequestHandler handler) {
    return route("POST", pattern, handler);
  }

  public Router delete(String pattern, RequestHandler handler) {
    return route("DELETE", pattern, handler);
  }

  @Override
  public void handle(Request request) throws Exception {
    List<String> path = segments(request.rawPath());
    Set<String> allowed = new TreeSet<>();
    for (Route route : routes) {
      Optional<Map<String, String>> params = match(route.segments(), path);
      if (params.isEmpty()) {
        continue;
      }
      if (route.method().equals(request.method())) {
        route.handler().handle(request.withPathParams(params.get()));
        return;
      }
      allowed.add(route.method());
    }
    if (!allowed.isEmpty()) {
      throw HttpError.methodNotAllowed(request.method(), allowed);
    }
    throw HttpError.notFound("no such endpoint: " + request.method() + " " + request.rawPath());
  }

  private static Optional<Map<String, String>> match(List<String> pattern, List<String> path) {
    Map<String, String> params = new HashMap<>();
    for (int i = 0; i < pattern.size(); i++) {
      String p = pattern.get(i);
      if (p.startsWith("{") && p.endsWith("...}")) {
        if (i >= path.size()) {
          return Optional.empty();
        }
        List<String> rest = path.subList(i, path.size()).stream().map(Router::decodeSegment).toList();
        params.put(p.substring(1, p.length() - 4), String.join("/", rest));
        return Optional.of(params);
      }
      if (i >= path.size()) {
        return Optional.empty();
      }
      if (p.startsWith("{") && p.endsWith("}")) {
        params.put(p.substring(1, p.length() - 1), decodeSegment(path.get(i)));
      } else if (!p.equals(path.get(i))) {
        return Optional.empty();
      }
    }
    return pattern.size() == path.size() ? Optional.of(params) : Optional.empty();
  }

  /** Non-empty segments, so {@code /health/} matches {@code /health}. */
  private static List<String> segments(String path) {
    return Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
  }

  private static String decodeSegment(String raw) {
    try {
      return PercentDecoding.decode(raw, false);
    } catch (IllegalArgumentException e) {
      throw HttpError.badRequest("malformed path: bad percent-encoding in '" + raw + "'");
    }
  }
}
