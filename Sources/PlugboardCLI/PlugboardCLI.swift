import ArgumentParser
import PlugboardCLICommands

/// The `plugboard` executable: everything lives in PlugboardCLICommands, where tests can reach it.
@main
struct PlugboardMain {
    static func main() async {
        await PlugboardCommand.main()
    }
}
