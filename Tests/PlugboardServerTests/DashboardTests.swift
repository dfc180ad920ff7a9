import Foundation
import NIOHTTP1
import Plugboard
import PlugboardServer
import PlugboardTesting
import Synchronization
import Testing

/// The dashboard in a real browser: headless Chromium (installed by scripts/setup) renders `/` while calls come in;
/// the test asserts on the DOM after its scripts ran and saves a screenshot to `artifacts/dashboard.png`.
@Suite struct DashboardTests {
    static func chromium() throws -> String {
        let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            Issue.record("Chromium is not installed (looked at \(candidates)); run scripts/setup, which installs Debian's chromium")
            throw CancellationError()
        }
        return found
    }

    /// Runs headless Chromium on `url` with `arguments`, letting the page's timers run for `budget` ms of virtual time.
    static func runChromium(_ arguments: [String], url: String, budget: Int = 6000) async throws -> String {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("plugboard-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let result = try await Subprocess.run(
            try chromium(),
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
                "--user-data-dir=\(profile.path)", "--virtual-time-budget=\(budget)", "--window-size=1280,900",
            ] + arguments + [url])
        #expect(result.status == 0, "chromium \(arguments) exited with \(result.status): \(result.stderr.suffix(2000))")
        return result.stdout
    }

    @Test func theDashboardRendersThePluginsTheirVersionsAndLiveCharts() async throws {
        let plugins = try PluginDirectory()
        try plugins.add("echo")
        try FileManager.default.createDirectory(at: plugins.url.appendingPathComponent("text-transform"), withIntermediateDirectories: true)
        try plugins.copy("examples/plugins/text-transform-wat/plugin.wat", as: "text-transform/plugin.wat")
        try await RunningServer.withServer(.init(pluginDirectories: [plugins.path], adminToken: "t")) { server in
            _ = try await server.request(
                .POST, "/v1/admin/plugins/echo/versions?canary=40", body: VersionedGuest.bytes(name: "echo", version: "2.0.0"), token: "t")
            let page = try await server.get("/")
            #expect(page.status == 200)
            #expect(page.headers.contains { $0.0.lowercased() == "content-type" && $0.1.hasPrefix("text/html") })
            for external in [#"src="http"#, #"href="http"#, "@import", "url(http"] {
                #expect(!page.body.contains(external), "everything is served by the binary, nothing from a CDN (\(external))")
            }

            // Traffic while the browser watches, so the charts have something to draw.
            let shared = SharedState()
            let traffic = Task {
                var count = 0
                while !shared.isStopped {
                    _ = try await server.process("echo", "x", key: "k\(count)")
                    _ = try await server.process("text-transform", "y")
                    count += 1
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            defer { shared.stop() }

            let dom = try await Self.runChromium(["--dump-dom"], url: server.base + "/")
            #expect(dom.contains(#"data-plugin="echo""#), "the echo plugin is on the page")
            #expect(dom.contains(#"data-plugin="text-transform""#))
            #expect(dom.contains(#"data-plugins="2""#), "the status line counted both plugins")
            #expect(dom.contains(#"data-health="healthy""#))
            #expect(dom.contains("canary 40 %"))
            for metric in ["calls", "errors", "p95"] {
                #expect(dom.contains(#"data-metric="\#(metric)""#), "a \(metric) chart")
            }
            let polylines = dom.components(separatedBy: "<polyline").count - 1
            #expect(polylines >= 6, "each plugin's charts have a line per version (\(polylines) lines)")
            #expect(dom.contains(#"data-version="2.0.0""#), "the canary has its own line")
            #expect(dom.contains(#"data-action="promote""#))

            let artifacts = Repository.root.appendingPathComponent("artifacts")
            try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
            let screenshot = artifacts.appendingPathComponent("dashboard.png")
            try? FileManager.default.removeItem(at: screenshot)
            _ = try await Self.runChromium(["--screenshot=\(screenshot.path)"], url: server.base + "/")
            let size = (try FileManager.default.attributesOfItem(atPath: screenshot.path)[.size] as? Int) ?? 0
            #expect(size > 10_000, "a screenshot of the rendered dashboard was saved (\(size) bytes)")
            print("DashboardTests: screenshot saved to \(screenshot.path) (\(size) bytes)")
            shared.stop()
            try await traffic.value
        }
    }
}
