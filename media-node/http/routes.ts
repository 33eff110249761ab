/**
 * URL -> route. Pure: the server turns a request into one of these and dispatches on `name`.
 *
 *   POST   /{path}/whip | /{path}/whep            create a session
 *   PATCH  /{path}/whip/{id} | /{path}/whep/{id}  trickle ICE
 *   DELETE /{path}/whip/{id} | /{path}/whep/{id}  end it
 *   OPTIONS any of the above                        CORS preflight
 *   GET    /v1/paths, /healthz, /readyz
 *   GET    /{path}/ (player), /{path}/publish     pages (http/pages, another module)
 */
export type Route =
  | { name: "endpoint"; path: string; protocol: "whip" | "whep" }
  | { name: "resource"; path: string; protocol: "whip" | "whep"; id: string }
  | { name: "paths" }
  | { name: "healthz" }
  | { name: "readyz" }
  | { name: "page"; path: string; page: "player" | "publish" }
  | { name: "none" };

const SEGMENT = "([A-Za-z0-9][A-Za-z0-9_.-]{0,62})";
const ENDPOINT = new RegExp(`^/${SEGMENT}/(whip|whep)$`);
const RESOURCE = new RegExp(`^/${SEGMENT}/(whip|whep)/([A-Za-z0-9-]{1,64})$`);
const PLAYER = new RegExp(`^/${SEGMENT}/?$`);
const PUBLISH = new RegExp(`^/${SEGMENT}/publish$`);

export function matchRoute(pathname: string): Route {
  if (pathname === "/v1/paths") return { name: "paths" };
  if (pathname === "/healthz") return { name: "healthz" };
  if (pathname === "/readyz") return { name: "readyz" };
  let m = ENDPOINT.exec(pathname);
  if (m) return { name: "endpoint", path: m[1]!, protocol: m[2] as "whip" | "whep" };
  m = RESOURCE.exec(pathname);
  if (m) return { name: "resource", path: m[1]!, protocol: m[2] as "whip" | "whep", id: m[3]! };
  m = PUBLISH.exec(pathname);
  if (m) return { name: "page", path: m[1]!, page: "publish" };
  m = PLAYER.exec(pathname);
  if (m && m[1] !== "v1") return { name: "page", path: m[1]!, page: "player" };
  return { name: "none" };
}

/** The low-cardinality label for metrics. */
export function routeLabel(method: string, route: Route): string {
  switch (route.name) {
    case "endpoint":
      return `${method} /{path}/${route.protocol}`;
    case "resource":
      return `${method} /{path}/${route.protocol}/{id}`;
    case "page":
      return `${method} page`;
    case "none":
      return `${method} unknown`;
    default:
      return `${method} /${route.name === "paths" ? "v1/paths" : route.name}`;
  }
}
