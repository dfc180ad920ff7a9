/// Plugboard's default contract, `plugboard:plugin/plugin-world@1.0.0`, compiled into the library.
///
/// `wit/plugin.wit` in the repository holds the same text (a test keeps the two identical).
public enum DefaultWorld {
    /// The WIT source of the default package.
    public static let witSource = #"""
package plugboard:plugin@1.0.0;

/// What every plugin exports: the host calls these.
interface plugin-api {
    /// Who the plugin is.
    record plugin-metadata {
        name: string,
        version: string,
        description: string,
    }

    /// One unit of work: an input text and ordered key/value options.
    record process-request {
        input: string,
        options: list<tuple<string, string>>,
    }

    /// The result of `process`: `success` false means `error-message` says why.
    record process-response {
        output: string,
        success: bool,
        error-message: option<string>,
    }

    /// Called once after loading, with the plugin's configuration.
    initialize: func(config: list<tuple<string, string>>) -> result<_, string>;
    /// Handles one request.
    process: func(req: process-request) -> process-response;
    /// Called once before unloading.
    shutdown: func() -> result<_, string>;
    /// Describes the plugin.
    get-metadata: func() -> plugin-metadata;
}

/// What the host provides: plugins import these.
interface host-api {
    /// Writes to the host's log; `level` is trace, debug, info, warn or error.
    log-message: func(level: string, message: string) -> result<_, string>;
    /// Reads one entry of the plugin's configuration.
    get-config: func(key: string) -> option<string>;
    /// Delivers an event to the host's subscribers.
    emit-event: func(event-type: string, payload: string) -> result<_, string>;
}

world plugin-world {
    import host-api;
    export plugin-api;
}
"""#

    /// The parsed default package.
    public static let package: WITPackage = {
        do {
            return try WITPackage.parse(witSource, fileName: "plugin.wit")
        } catch {
            preconditionFailure("the compiled-in default world does not parse: \(error)")
        }
    }()

    /// `plugin-world`: imports `host-api`, exports `plugin-api`.
    public static let world: WITWorld = package.worlds[0]

    /// The `plugin-api` interface plugins export.
    public static let pluginAPI: WITInterface = world.exports[0]

    /// The `host-api` interface plugins import.
    public static let hostAPI: WITInterface = world.imports[0]
}
