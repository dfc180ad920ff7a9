import PlugboardABI
import PlugboardManifest
import PlugboardRuntime
/// Outgoing HTTP for plugins: the `outgoing-http` interface and the `plugin-world-http` world of
/// `plugboard:plugin@1.0.0`, compiled into the library.
///
/// `wit/http.wit` in the repository holds the same text (a test keeps the two identical). The default world
/// ``DefaultWorld`` is unchanged: a plugin may import `outgoing-http` in addition to it, and links when the
/// host offers ``HostFunction/outgoingHTTP(_:)``.
public enum HTTPWorld {
    /// The WIT source of `wit/http.wit`.
    public static let witSource = #"""
package plugboard:plugin@1.0.0;

/// Outgoing HTTP for plugins, a separate import from `host-api`: a plugin that does not import it has no
/// network access at all, and one that does still reaches only what its `network` capability allows.
///
/// The host checks every request before connecting: the URL must be `http` or `https`; its scheme, host and
/// port must match an entry of the plugin's allowlist (`scheme://host[:port]`, deny by default); and every
/// address the host resolves to must be public (loopback, private, link-local, CGNAT, unspecified and
/// multicast addresses are refused unless that exact host or IP literal is listed). Redirects are not
/// followed: a 3xx response is returned as it is, and a new request to its `location` is checked again.
interface outgoing-http {
    /// One request. `headers` may not set `host`, `content-length`, `transfer-encoding`, `connection` or other
    /// hop-by-hop headers: the host sets those. An empty `body` sends none.
    record request {
        method: string,
        url: string,
        headers: list<tuple<string, string>>,
        body: list<u8>,
    }

    /// The response, whatever its status (a 404 or a 302 is a response, not an error).
    record response {
        status: u16,
        headers: list<tuple<string, string>>,
        body: list<u8>,
    }

    /// Why no response came back.
    variant fetch-error {
        /// The plugin's network capability does not allow this destination; the text says why.
        denied(string),
        /// The URL, method or a header is malformed or not allowed; the text says which.
        invalid-request(string),
        /// The host name could not be resolved.
        name-not-resolved(string),
        /// Connecting or talking to the server failed; the text says how.
        connection-failed(string),
        /// No complete response within the host's per-request timeout.
        timeout,
        /// The response body is larger than the cap, in bytes, given here.
        too-large(u64),
    }

    /// Sends `request` and waits for the response (the guest blocks; other plugins keep running).
    fetch: func(request: request) -> result<response, fetch-error>;
}

/// The default world plus outgoing HTTP. A plugin built for `plugin-world` that also imports
/// `outgoing-http` links too, when the host offers it: imports are checked against what the host provides.
world plugin-world-http {
    import host-api;
    import outgoing-http;
    export plugin-api;
}
"""#

    /// The package with both files, `plugin.wit` and `http.wit`.
    public static let package: WITPackage = {
        do {
            return try WITPackage.parse(files: [("plugin.wit", DefaultWorld.witSource), ("http.wit", witSource)])
        } catch {
            preconditionFailure("the compiled-in http world does not parse: \(error)")
        }
    }()

    /// `plugin-world-http`: imports `host-api` and `outgoing-http`, exports `plugin-api`.
    public static let world: WITWorld = {
        do {
            return try package.world(named: "plugin-world-http")
        } catch {
            preconditionFailure("the compiled-in http world is missing: \(error)")
        }
    }()

    /// The `outgoing-http` interface plugins import.
    public static let outgoingHTTP: WITInterface = {
        guard let interface = world.imports.first(where: { $0.name == "outgoing-http" }) else {
            preconditionFailure("plugin-world-http does not import outgoing-http")
        }
        return interface
    }()
}
