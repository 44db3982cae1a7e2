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

    /**
     * What a run printed.
     *
     * @param code the exit code
     * @param out standard output
     * @param err standard error
     */
    record Result(int code, String out, String err) {
    }

    /**
     * @param args the command line
     * @return its exit code and what it printed
     */
    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = run(out, err, args);
        return new Result(code, out.toString(), err.toString());
    }
}
