using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace ObjectOS.Storage.Cli;

/// <summary>The commands and their handlers. Each handler returns an exit code or throws; <see cref="CliApp"/> reports errors.</summary>
internal sealed partial class StoreCommands(Terminal terminal, Redactor redactor, GlobalOptions globals)
{
    private readonly Option<string?> _plugin = new("--plugin", "-p")
    {
        Description = "Act inside this plugin's scope (keys are relative to it), e.g. --plugin my-plugin.",
        HelpName = "ID",
    };

    private readonly Option<string?> _as = new("--as")
    {
        Description = "Act as this plugin, with only the access the storage grants it (a plugin opens only its own scope).",
        HelpName = "PLUGIN",
    };

    private Terminal Terminal { get; } = terminal;

    private Redactor Redactor { get; } = redactor;

    private GlobalOptions Globals { get; } = globals;

    /// <summary>All commands, in the order help lists them.</summary>
    public IEnumerable<Command> Build()
    {
        yield return BuildGet();
        yield return BuildSet();
        yield return BuildDelete();
        yield return BuildKeys();
        yield return BuildTtl();
        yield return BuildClear();
        yield return BuildPlugins();
        yield return BuildExport();
        yield return BuildImport();
        yield return BuildCopy();
        yield return BuildBench();
        yield return BuildDemo();
    }

    private static Command Define(string name, string description, params Symbol[] symbols)
    {
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Argument argument:
                    command.Add(argument);
                    break;
                case Option option:
                    command.Add(option);
                    break;
            }
        }

        return command;
    }

    private bool Json(ParseResult parse) => parse.GetValue(Globals.Json);

    /// <summary>The store named by <paramref name="explicitUri"/>, <c>--store</c>, <c>OBJECTOS_STORAGE</c> or the default, in that order.</summary>
    private StoreUri ResolveStore(ParseResult parse, string? explicitUri = null)
    {
        var text = explicitUri ?? parse.GetValue(Globals.Store);
        if (string.IsNullOrWhiteSpace(text))
        {
            text = Environment.GetEnvironmentVariable(StoreUri.EnvironmentVariable);
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            text = StoreUri.Default;
        }

        return Redactor.Track(StoreUri.Parse(text));
    }

    private Task<StoreSession> OpenAsync(ParseResult parse, CancellationToken cancellationToken)
        => StoreSession.OpenAsync(ResolveStore(parse), cancellationToken);

    /// <summary>The store a key command acts on: the root or <c>--plugin</c>'s scope, seen by the host or by <c>--as</c>.</summary>
    private (IKeyValueStore Store, string? Plugin) Target(StoreSession session, ParseResult parse)
    {
        var plugin = parse.GetValue(_plugin);
        if (plugin is not null)
        {
            StorageValidation.ValidatePluginId(plugin);
        }

        var actor = parse.GetValue(_as);
        IStorageService service = actor is null ? session.Storage : session.Storage.GetServiceForPlugin(actor);
        return (plugin is null ? service : service.GetScopedStorage(plugin), plugin);
    }

    private static string InScope(string? plugin) => plugin is null ? string.Empty : $" in plugin '{plugin}'";

    private static void WriteTtl(Utf8JsonWriter json, TimeSpan? ttl)
    {
        if (ttl is { } left && left != Timeout.InfiniteTimeSpan)
        {
            json.WriteNumber("ttlMs", Duration.ToMilliseconds(left));
        }
        else
        {
            json.WriteNull("ttlMs");
        }
    }

    private static void WritePlugin(Utf8JsonWriter json, string? plugin)
    {
        if (plugin is null)
        {
            json.WriteNull("plugin");
        }
        else
        {
            json.WriteString("plugin", plugin);
        }
    }

    private Command BuildGet()
    {
        var key = new Argument<string>("KEY") { Description = "The key (relative to --plugin's scope when given)." };
        var command = Define("get", "Print the JSON value of a key. Exit code 3 when the key does not exist.", key, _plugin, _as);
        command.SetAction(async (parse, ct) =>
        {
            await using var session = await OpenAsync(parse, ct).ConfigureAwait(false);
            var (store, plugin) = Target(session, parse);
            var name = parse.GetValue(key)!;
            var value = await store.GetBytesAsync(name, ct).ConfigureAwait(false)
                ?? throw new CliException(ExitCodes.NotFound, $"Key '{Terminal.Printable(name)}' not found{InScope(plugin)}.");
            if (Json(parse))
            {
                var ttl = await store.GetTimeToLiveAsync(name, ct).ConfigureAwait(false);
                Terminal.WriteJson(json =>
                {
                    json.WriteStartObject();
                    json.WriteString("key", name);
                    WritePlugin(json, plugin);
                    json.WritePropertyName("value");
                    json.WriteRawValue(value.Span, skipInputValidation: true);
                    WriteTtl(json, ttl);
                    json.WriteEndObject();
                });
            }
            else
            {
                Terminal.WriteLine(Encoding.UTF8.GetString(value.Span));
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private Command BuildSet()
    {
        var key = new Argument<string>("KEY") { Description = "The key (relative to --plugin's scope when given)." };
        var value = new Argument<string>("VALUE")
        {
            Description = "The value as JSON, e.g. '{\"theme\":\"dark\"}', 42, '\"text\"'; '-' reads it from stdin.",
        };
        var ttl = new Option<string?>("--ttl")
        {
            Description = "Expire the key after this time: 500ms, 30s, 5m, 2h, 1d or a TimeSpan such as 00:05:00. Without it the key never expires.",
            HelpName = "DURATION",
        };
        var asString = new Option<bool>("--string")
        {
            Description = "Store VALUE as a JSON string instead of parsing it as JSON.",
        };
        var command = Define("set", "Store a JSON value under a key, optionally with a time to live.", key, value, ttl, asString, _plugin, _as);
        command.SetAction(async (parse, ct) =>
        {
            var name = parse.GetValue(key)!;
            var timeToLive = parse.GetValue(ttl) is { } ttlText ? Duration.ParseTimeToLive(ttlText) : (TimeSpan?)null;
            var text = parse.GetValue(value)!;
            if (text == "-")
            {
                text = await Console.In.ReadToEndAsync(ct).ConfigureAwait(false);
            }

            var bytes = parse.GetValue(asString) ? JsonStringBytes(text) : ParseJsonValue(text);
            await using var session = await OpenAsync(parse, ct).ConfigureAwait(false);
            var (store, plugin) = Target(session, parse);
            await store.SetBytesAsync(name, bytes, timeToLive, ct).ConfigureAwait(false);
            if (Json(parse))
            {
                Terminal.WriteJson(json =>
                {
                    json.WriteStartObject();
                    json.WriteString("key", name);
                    WritePlugin(json, plugin);
                    json.WriteNumber("bytes", bytes.Length);
                    WriteTtl(json, timeToLive);
                    json.WriteEndObject();
                });
            }
            else
            {
                var expiry = timeToLive is { } t ? $", expires in {Duration.Format(t)}" : string.Empty;
                Terminal.WriteLine($"OK: set '{Terminal.Printable(name)}'{InScope(plugin)} ({bytes.Length} bytes{expiry}).");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static byte[] JsonStringBytes(string text)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(text.Length + 2);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStringValue(text);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] ParseJsonValue(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text.Trim());
        try
        {
            var reader = new Utf8JsonReader(bytes);
            while (reader.Read())
            {
            }

            if (bytes.Length == 0)
            {
                throw new JsonException("The value is empty.");
            }
        }
        catch (JsonException ex)
        {
            throw new ArgumentException(
                $"VALUE must be JSON ({ex.Message.Split(". ")[0].TrimEnd('.')}). Quote text as JSON (e.g. '\"dark\"') or pass --string.", ex);
        }

        return bytes;
    }

    private Command BuildDelete()
    {
        var keys = new Argument<string[]>("KEY") { Description = "One or more keys.", Arity = ArgumentArity.OneOrMore };
        var command = Define("del", "Delete keys. Exit code 3 when none of them existed.", keys, _plugin, _as);
        command.Aliases.Add("delete");
        command.SetAction(async (parse, ct) =>
        {
            await using var session = await OpenAsync(parse, ct).ConfigureAwait(false);
            var (store, plugin) = Target(session, parse);
            var missing = new List<string>();
            var deleted = 0;
            foreach (var name in parse.GetValue(keys)!)
            {
                if (await store.DeleteAsync(name, ct).ConfigureAwait(false))
                {
                    deleted++;
                }
                else
                {
                    missing.Add(name);
                }
            }

            if (deleted == 0)
            {
                throw new CliException(ExitCodes.NotFound,
                    missing.Count == 1 ? $"Key '{Terminal.Printable(missing[0])}' not found{InScope(plugin)}." : $"None of the {missing.Count} keys exist{InScope(plugin)}.");
            }

            if (Json(parse))
            {
                Terminal.WriteJson(json =>
                {
                    json.WriteStartObject();
                    WritePlugin(json, plugin);
                    json.WriteNumber("deleted", deleted);
                    json.WriteStartArray("missing");
                    missing.ForEach(json.WriteStringValue);
                    json.WriteEndArray();
                    json.WriteEndObject();
                });
            }
            else
            {
                Terminal.WriteLine($"Deleted {Plural(deleted, "key")}{InScope(plugin)}." +
                    (missing.Count > 0 ? $" Not found: {string.Join(", ", missing.Select(m => $"'{Terminal.Printable(m)}'"))}." : string.Empty));
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private Command BuildKeys()
    {
        var pattern = new Argument<string?>("PATTERN")
        {
            Description = "A glob: * any run, ? one character, [abc] [a-z] [!a] classes, \\ escapes. Default: *.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = Define("keys", "List the keys matching a pattern, sorted.", pattern, _plugin, _as);
        command.SetAction(async (parse, ct) =>
        {
            var glob = parse.GetValue(pattern);
            if (!string.IsNullOrEmpty(glob))
            {
                _ = GlobPattern.Parse(glob); // a malformed pattern fails before the store is opened
            }

            await using var session = await OpenAsync(parse, ct).ConfigureAwait(false);
            var (store, plugin) = Target(session, parse);
            var keys = await store.KeysAsync(glob, ct).ConfigureAwait(false);
            if (Json(parse))
            {
                Terminal.WriteJson(json =>
                {
                    json.WriteStartObject();
                    WritePlugin(json, plugin);
                    json.WriteString("pattern", string.IsNullOrEmpty(glob) ? "*" : glob);
                    json.WriteNumber("count", keys.Count);
                    json.WriteStartArray("keys");
                    foreach (var k in keys)
                    {
                        json.WriteStringValue(k);
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                });
            }
            else if (keys.Count == 0)
            {
                Terminal.WriteLine($"No keys match '{(string.IsNullOrEmpty(glob) ? "*" : glob)}'{InScope(plugin)}.");
            }
            else
            {
                var table = new Table().Border(TableBorder.Rounded).AddColumn(plugin is null ? "Key" : $"Key (in {plugin})");
                foreach (var k in keys)
                {
                    table.AddRow(new Text(Terminal.Printable(k)));
                }

                table.Caption($"{Plural(keys.Count, "key")}");
                Terminal.Out.Write(table);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private Command BuildTtl()
    {
        var key = new Argument<string>("KEY") { Description = "The key." };
        var command = Define("ttl", "Show the time a key has left before it expires ('no expiry' when it never does). Exit code 3 when it does not exist.", key, _plugin, _as);
        command.SetAction(async (parse, ct) =>
        {
            await using var session = await OpenAsync(parse, ct).ConfigureAwait(false);
            var (store, plugin) = Target(session, parse);
            var name = parse.GetValue(key)!;
            var ttl = await store.GetTimeToLiveAsync(name, ct).ConfigureAwait(false)
                ?? throw new CliException(ExitCodes.NotFound, $"Key '{Terminal.Printable(name)}' not found{InScope(plugin)}.");
            var expires = ttl != Timeout.InfiniteTimeSpan;
            if (Json(parse))
            {
                Terminal.WriteJson(json =>
                {
                    json.WriteStartObject();
                    json.WriteString("key", name);
                    WritePlugin(json, plugin);
                    json.WriteBoolean("expires", expires);
                    WriteTtl(json, ttl);
                    json.WriteEndObject();
                });
            }
            else
            {
                Terminal.WriteLine(expires
                    ? string.Create(CultureInfo.InvariantCulture, $"{Duration.Format(ttl)} ({Duration.ToMilliseconds(ttl)} ms)")
                    : "no expiry");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private Command BuildClear()
    {
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (required when not on a terminal)." };
        var command = Define("clear", "Delete every key of the store, or of one plugin with --plugin. Asks first unless --yes.", yes, _plugin, _as);
        command.SetAction(async (parse, ct) =>
        {
            var plugin = parse.GetValue(_plugin);
            var uri = ResolveStore(parse);
            var what = plugin is null ? $"every key in '{uri.Redacted}'" : $"every key of plugin '{plugin}' in '{uri.Redacted}'";
            if (!parse.GetValue(yes))
            {
                if (Terminal.InputRedirected || Terminal.ErrorRedirected)
                {
                    // Piped input (e.g. `echo y | objectos-storage clear`): one line answers the question; no input refuses.
                    var answer = (await Console.In.ReadLineAsync(ct).ConfigureAwait(false))?.Trim();
                    if (!string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) && !string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase))
                    {
                        throw new CliException(answer is null ? ExitCodes.Usage : ExitCodes.Failure, answer is null
                            ? $"Refusing to delete {what} without confirmation: no answer on standard input. Pass --yes."
                            : "Nothing deleted: not confirmed.");
                    }
                }
                else if (!Terminal.Error.Confirm($"Delete {Markup.Escape(what)}?", defaultValue: false))
                {
                    throw new CliException(ExitCodes.Failure, "Nothing deleted: not confirmed.");
                }
            }

            await using var session = await StoreSession.OpenAsync(uri, ct).ConfigureAwait(false);
            var (store, _) = Target(session, parse);
            var removed = await store.ClearAsync(ct).ConfigureAwait(false);
            if (Json(parse))
            {
                Terminal.WriteJson(json =>
                {
                    json.WriteStartObject();
                    WritePlugin(json, plugin);
                    json.WriteNumber("removed", removed);
                    json.WriteEndObject();
                });
            }
            else
            {
                Terminal.WriteLine($"Removed {Plural(removed, "key")}{InScope(plugin)}.");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static string Plural(long count, string noun)
        => string.Create(CultureInfo.InvariantCulture, $"{count:N0} {noun}{(count == 1 ? string.Empty : "s")}");

    private static string FormatBytes(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.00} GiB"),
    };
}
