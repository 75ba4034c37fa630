using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;

namespace ObjectOS.Storage.Cli;

/// <summary>
/// Where a command writes: a Spectre console for people (no ANSI codes when the output is redirected or
/// <c>NO_COLOR</c> is set) and a JSON writer for scripts. Errors go to stderr as one plain line.
/// </summary>
internal sealed class Terminal
{
    private static readonly JsonWriterOptions JsonOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };

    private readonly Lazy<Stream> _stdout = new(Console.OpenStandardOutput);

    public Terminal()
    {
        OutputRedirected = Console.IsOutputRedirected;
        InputRedirected = Console.IsInputRedirected;
        ErrorRedirected = Console.IsErrorRedirected;
        NoColor = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        var dumb = string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);
        Out = CreateConsole(Console.Out, OutputRedirected || dumb, NoColor);
        Error = CreateConsole(Console.Error, ErrorRedirected || dumb, NoColor);
    }

    /// <summary>Whether stdout is a file or pipe rather than a terminal.</summary>
    public bool OutputRedirected { get; }

    /// <summary>Whether stdin is a file or pipe rather than a terminal.</summary>
    public bool InputRedirected { get; }

    /// <summary>Whether stderr is a file or pipe rather than a terminal.</summary>
    public bool ErrorRedirected { get; }

    /// <summary>Whether <c>NO_COLOR</c> is set.</summary>
    public bool NoColor { get; }

    /// <summary>Whether a person can answer a question: stdin and stdout are both terminals.</summary>
    public bool IsInteractive => !InputRedirected && !OutputRedirected;

    /// <summary>Whether live progress may be drawn on stdout.</summary>
    public bool CanShowProgress => !OutputRedirected && Out.Profile.Capabilities.Ansi;

    /// <summary>The console for human-readable output on stdout.</summary>
    public IAnsiConsole Out { get; }

    /// <summary>The console for human-readable notes on stderr.</summary>
    public IAnsiConsole Error { get; }

    /// <summary>The raw stdout stream, for JSON and JSON Lines.</summary>
    public Stream StandardOutput => _stdout.Value;

    /// <summary>Writes one JSON document as a line on stdout.</summary>
    public void WriteJson(Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Console.Out.Flush();
        using (var writer = CreateJsonWriter(StandardOutput))
        {
            write(writer);
        }

        StandardOutput.WriteByte((byte)'\n');
        StandardOutput.Flush();
    }

    /// <summary>A compact JSON writer that leaves non-ASCII text readable.</summary>
    public static Utf8JsonWriter CreateJsonWriter(Stream stream) => new(stream, JsonOptions);

    /// <summary>Writes one plain line to stdout, bypassing markup.</summary>
    public void WriteLine(string text)
    {
        Out.Profile.Out.Writer.WriteLine(text);
        Out.Profile.Out.Writer.Flush();
    }

    /// <summary>Makes a key or value printable on one table cell: control characters become escapes.</summary>
    public static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.AsSpan().ContainsAnyInRange('\0', '\u001f') && !text.Contains('\u007f', StringComparison.Ordinal))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            _ = c switch
            {
                '\n' => builder.Append("\\n"),
                '\r' => builder.Append("\\r"),
                '\t' => builder.Append("\\t"),
                < ' ' or '\u007f' => builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }

    private static IAnsiConsole CreateConsole(TextWriter writer, bool plain, bool noColor)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = plain || noColor ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = plain ? InteractionSupport.No : InteractionSupport.Detect,
            Out = new AnsiConsoleOutput(writer),
        });
        if (plain)
        {
            // Redirected output has no window: do not wrap tables at 80 columns.
            console.Profile.Width = 160;
        }

        return console;
    }
}
