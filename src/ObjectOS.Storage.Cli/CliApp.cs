using System.CommandLine;
using System.Text;

namespace ObjectOS.Storage.Cli;

/// <summary>Builds the command tree, runs one command and turns every failure into an exit code and one line on stderr.</summary>
internal static class CliApp
{
    /// <summary>The command name, used in messages.</summary>
    public const string Name = "objectos-storage";

    /// <summary>Runs the CLI with <paramref name="args"/> and returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        Console.OutputEncoding = new UTF8Encoding(false);
        var terminal = new Terminal();
        var redactor = new Redactor();
        var options = new GlobalOptions();
        var root = BuildRootCommand(terminal, redactor, options);

        // '@' starts many plugin ids (@objectos/auth): never treat an argument as a response file.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            var first = parse.Errors[0].Message.TrimEnd('.');
            WriteError(redactor, $"{first}. Run '{Name} --help' for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var code = ExitCodes.For(ex);
            WriteError(redactor, Describe(ex, code));
            return code;
        }
    }

    private static string Describe(Exception ex, int code)
    {
        var root = ExitCodes.Unwrap(ex);
        var message = root switch
        {
            OperationCanceledException => "cancelled.",
            ArgumentException arg when arg.ParamName is not null && arg.Message.EndsWith($"(Parameter '{arg.ParamName}')", StringComparison.Ordinal)
                => arg.Message[..^$" (Parameter '{arg.ParamName}')".Length],
            _ => root.Message,
        };
        return code == ExitCodes.Failure && root is not CliException ? $"{root.GetType().Name}: {message}" : message;
    }

    /// <summary>Writes one line <c>objectos-storage: message</c> to stderr, with secrets removed and line breaks flattened.</summary>
    public static void WriteError(Redactor redactor, string message)
    {
        ArgumentNullException.ThrowIfNull(redactor);
        ArgumentNullException.ThrowIfNull(message);
        var oneLine = string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Console.Out.Flush();
        Console.Error.WriteLine($"{Name}: {redactor.Redact(oneLine)}");
        Console.Error.Flush();
    }

    private static RootCommand BuildRootCommand(Terminal terminal, Redactor redactor, GlobalOptions options)
    {
        var root = new RootCommand(
            "Inspect, migrate, export, import and benchmark ObjectOS.Storage stores (SQLite files, Redis, memory).\n" +
            $"The store is named by --store URI or the {StoreUri.EnvironmentVariable} environment variable; default {StoreUri.Default}.");
        root.Add(options.Store);
        root.Add(options.Json);

        var commands = new StoreCommands(terminal, redactor, options);
        foreach (var command in commands.Build())
        {
            root.Add(command);
        }

        return root;
    }
}

/// <summary>The options every command understands.</summary>
internal sealed class GlobalOptions
{
    /// <summary><c>--store URI</c>: which store to open.</summary>
    public Option<string?> Store { get; } = new("--store", "-s")
    {
        Description = $"The store: memory:, sqlite:PATH, redis://[user:password@]host:port[/db][?prefix=...]. Default: ${StoreUri.EnvironmentVariable} or {StoreUri.Default}.",
        HelpName = "URI",
        Recursive = true,
    };

    /// <summary><c>--json</c>: machine-readable output.</summary>
    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Write machine-readable JSON instead of tables.",
        Recursive = true,
    };
}
