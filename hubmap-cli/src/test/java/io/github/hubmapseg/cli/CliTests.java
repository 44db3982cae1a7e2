package io.github.hubmapseg.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the {@code hubmap} command in-process for the CLI tests, capturing its standard output and error. */
final class CliTests {

    private CliTests() {
    }

    /**
     * @param out  receives standard output
     * @param err  receives standard error
     * @param args the command line
     * @return the exit code
     */
    static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = HubmapCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }
}
