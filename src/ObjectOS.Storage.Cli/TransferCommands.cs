using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace ObjectOS.Storage.Cli;

/// <summary>The commands that walk a whole store: plugins, export, import and copy.</summary>
internal sealed partial class StoreCommands
{
    private static Argument<string?> PatternArgument() => new("PATTERN")
    {
        Description = "Only keys matching this glob (relative to --plugin's scope when given). Default: *.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static Option<string?> FilterPluginOption() => new("--plugin", "-p")
    {
        Description = "Only this plugin's keys.",
        HelpName = "ID",
    };

    /// <summary>The physical keys of a store, optionally limited to one plugin and a pattern (validated first).</summary>
    private static IAsyncEnumerable<string> PhysicalKeys(StoreSession session, string? plugin, string? pattern, CancellationToken cancellationToken)
    {
        if (plugin is null)
        {
            return session.Storage.EnumerateKeysAsync(pattern, cancellationToken);
        }

        var prefix = StorageValidation.ScopePrefixOf(plugin);
        return Prefixed(session.Storage.GetScopedStorage(plugin).EnumerateKeysAsync(pattern, cancellationToken), prefix, cancellationToken);

        static async IAsyncEnumerable<string> Prefixed(IAsyncEnumerable<string> keys, string prefix, [EnumeratorCancellation] CancellationToken ct)
        {
            await foreach (var key in keys.WithCancellation(ct).ConfigureAwait(false))
            {
                yield return prefix + key;
            }
        }
    }

    private static void ValidateFilter(string? plugin, string? pattern)
    {
        if (plugin is not null)
        {
            StorageValidation.ValidatePluginId(plugin);
        }

        if (!string.IsNullOrEmpty(pattern))
        {
            _ = GlobPattern.Parse(pattern);
        }
    }

    private Command BuildPlugins()
    {
        var command = Define("plugins", "List the plugins that have data in the store (scopes of root keys 'pluginId:key'), with key counts and value bytes.");
        command.SetAction(async (parse, ct) =>
        {
            await using var session = await OpenAsync(parse, ct).ConfigureAwait(false);
            var scopes = new SortedDictionary<string, (long Keys, long Bytes)>(StringComparer.Ordinal);
            long unscopedKeys = 0, unscopedBytes = 0;
            var sizes = Pipeline.SelectAsync(
                session.Storage.EnumerateKeysAsync(null, ct),
                async (key, token) =>
                {
                    var (store, relative) = session.Route(key);
                    var value = await store.GetBytesAsync(relative, token).ConfigureAwait(false);
                    return (Key: key, Size: value?.Length ?? -1L);
                },
                Pipeline.DefaultWindow,
                ct);
            await foreach (var (key, size) in sizes.ConfigureAwait(false))
            {
                if (size < 0)
                {
                    continue; // expired while we looked
                }

                var colon = key.IndexOf(StorageValidation.ScopeSeparator, StringComparison.Ordinal);
                var plugin = colon > 0 ? key[..colon] : null;
                if (plugin is not null && StorageValidation.IsValidPluginId(plugin))
                {
                    var current = scopes.GetValueOrDefault(plugin);
                    scopes[plugin] = (current.Keys + 1, current.Bytes + size);
                }
                else
                {
                    unscopedKeys++;
                    unscopedBytes += size;
                }
            }

            var totalKeys = scopes.Values.Sum(s => s.Keys) + unscopedKeys;
            var totalBytes = scopes.Values.Sum(s => s.Bytes) + unscopedBytes;
            if (Json(parse))
            {
                Terminal.WriteJson(json =>
                {
                    json.WriteStartObject();
                    json.WriteString("store", session.Uri.Redacted);
                    json.WriteStartArray("plugins");
                    foreach (var (plugin, (keys, bytes)) in scopes)
                    {
                        json.WriteStartObject();
                        json.WriteString("plugin", plugin);
                        json.WriteNumber("keys", keys);
                        json.WriteNumber("bytes", bytes);
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                    json.WriteStartObject("unscoped");
                    json.WriteNumber("keys", unscopedKeys);
                    json.WriteNumber("bytes", unscopedBytes);
                    json.WriteEndObject();
                    json.WriteNumber("totalKeys", totalKeys);
                    json.WriteNumber("totalBytes", totalBytes);
                    json.WriteEndObject();
                });
                return ExitCodes.Success;
            }

            if (totalKeys == 0)
            {
                Terminal.WriteLine($"The store '{session.Uri.Redacted}' is empty.");
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded)
                .AddColumn("Plugin")
                .AddColumn(new TableColumn("Keys").RightAligned())
                .AddColumn(new TableColumn("Bytes").RightAligned());
            foreach (var (plugin, (keys, bytes)) in scopes)
            {
                table.AddRow(new Text(plugin), new Text(keys.ToString("N0", CultureInfo.InvariantCulture)), new Text(FormatBytes(bytes)));
            }

            if (unscopedKeys > 0)
            {
                table.AddRow(new Text("(unscoped root keys)"), new Text(unscopedKeys.ToString("N0", CultureInfo.InvariantCulture)), new Text(FormatBytes(unscopedBytes)));
            }

            Terminal.Out.Write(table);
            Terminal.WriteLine($"{Plural(scopes.Count, "plugin")}, {Plural(totalKeys, "key")}, {FormatBytes(totalBytes)} in {session.Uri.Redacted}");
            return ExitCodes.Success;
        });
        return command;
    }

    private Command BuildExport()
    {
        var pattern = PatternArgument();
        var plugin = FilterPluginOption();
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of stdout.", HelpName = "FILE" };
        var command = Define("export",
            "Write the store as JSON Lines, one {\"key\",\"value\",\"ttlMs\",\"expiresAt\"} entry a line (physical keys, remaining TTL), streaming.",
            pattern, plugin, output);
        command.SetAction(async (parse, ct) =>
        {
            var scope = parse.GetValue(plugin);
            var glob = parse.GetValue(pattern);
            ValidateFilter(scope, glob);
            var path = parse.GetValue(output);
            await using var session = await OpenAsync(parse, ct).ConfigureAwait(false);
            var stopwatch = Stopwatch.StartNew();
            long count = 0, bytes = 0;
            var file = path is null ? null : new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1, FileOptions.Asynchronous);
            await using (file)
            {
                var stream = new BufferedStream(file ?? Terminal.StandardOutput, 1 << 16);
                await using (stream.ConfigureAwait(false))
                {
                    using var writer = Terminal.CreateJsonWriter(stream);
                    var entries = Pipeline.SelectAsync(PhysicalKeys(session, scope, glob, ct), session.ReadAsync, Pipeline.DefaultWindow, ct);
                    await foreach (var entry in entries.ConfigureAwait(false))
                    {
                        if (entry is null)
                        {
                            continue;
                        }

                        WriteEntry(writer, entry, DateTimeOffset.UtcNow);
                        await writer.FlushAsync(ct).ConfigureAwait(false);
                        writer.Reset();
                        stream.WriteByte((byte)'\n');
                        count++;
                        bytes += entry.Value.Length;
                    }

                    await stream.FlushAsync(ct).ConfigureAwait(false);
                }
            }

            if (path is not null)
            {
                WriteTransferSummary(parse, "export", session.Uri.Redacted, path, count, 0, bytes, stopwatch.Elapsed);
            }
            else if (!Terminal.ErrorRedirected && !Json(parse))
            {
                Terminal.Error.WriteLine($"Exported {Plural(count, "key")} ({FormatBytes(bytes)}).");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static void WriteEntry(Utf8JsonWriter writer, StoredEntry entry, DateTimeOffset now)
    {
        writer.WriteStartObject();
        writer.WriteString("key", entry.Key);
        writer.WritePropertyName("value");
        var span = entry.Value.Span;
        if (span.IndexOfAny((byte)'\n', (byte)'\r') >= 0)
        {
            // Stored JSON may be pretty-printed; one entry must stay on one line.
            using var document = JsonDocument.Parse(entry.Value);
            document.RootElement.WriteTo(writer);
        }
        else
        {
            writer.WriteRawValue(span, skipInputValidation: true);
        }

        if (entry.TimeToLive is { } ttl)
        {
            var ms = Duration.ToMilliseconds(ttl);
            writer.WriteNumber("ttlMs", ms);
            writer.WriteNumber("expiresAt", now.ToUnixTimeMilliseconds() + ms);
        }
        else
        {
            writer.WriteNull("ttlMs");
        }

        writer.WriteEndObject();
    }

    private Command BuildImport()
    {
        var input = new Option<string?>("--input", "-i") { Description = "Read from this file instead of stdin.", HelpName = "FILE" };
        var file = new Argument<string?>("file") { Description = "The file to read (same as --input); stdin when absent.", Arity = ArgumentArity.ZeroOrOne };
        var command = Define("import",
            "Read JSON Lines written by export and store each entry, keeping its TTL (entries whose TTL has elapsed are skipped). Existing keys are overwritten.",
            file, input);
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(input) ?? parse.GetValue(file);
            if (path is not null && !File.Exists(path))
            {
                throw new CliException(ExitCodes.Usage, $"Input file '{path}' does not exist.");
            }

            await using var session = await OpenAsync(parse, ct).ConfigureAwait(false);
            var stopwatch = Stopwatch.StartNew();
            long imported = 0, expired = 0, bytes = 0, lineNumber = 0;
            var stream = path is null ? Console.OpenStandardInput() : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                using var reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, 1 << 16);
                var writes = new KeyedWriteWindow(Pipeline.DefaultWindow);
                while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
                {
                    lineNumber++;
                    if (string.IsNullOrWhiteSpace(line))
                    {
                        continue;
                    }

                    var (key, value, ttl) = ParseImportLine(line, lineNumber, DateTimeOffset.UtcNow);
                    if (ttl is { } left && left <= TimeSpan.Zero)
                    {
                        expired++;
                        continue;
                    }

                    await writes.AddAsync(key, t => session.WriteAsync(key, value, ttl, t), ct).ConfigureAwait(false);
                    imported++;
                    bytes += value.Length;
                }

                await writes.DrainAsync().ConfigureAwait(false);
            }

            WriteTransferSummary(parse, "import", path ?? "stdin", session.Uri.Redacted, imported, expired, bytes, stopwatch.Elapsed);
            return ExitCodes.Success;
        });
        return command;
    }

    private static (string Key, byte[] Value, TimeSpan? Ttl) ParseImportLine(string line, long lineNumber, DateTimeOffset now)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("expected a JSON object");
            }

            if (!root.TryGetProperty("key", out var keyElement) || keyElement.ValueKind != JsonValueKind.String)
            {
                throw new FormatException("\"key\" must be a string");
            }

            if (!root.TryGetProperty("value", out var valueElement))
            {
                throw new FormatException("\"value\" is missing");
            }

            TimeSpan? ttl = null;
            if (root.TryGetProperty("expiresAt", out var expiresAt) && expiresAt.ValueKind != JsonValueKind.Null)
            {
                if (!expiresAt.TryGetInt64(out var at))
                {
                    throw new FormatException("\"expiresAt\" must be Unix epoch milliseconds or null");
                }

                ttl = TimeSpan.FromMilliseconds(at - now.ToUnixTimeMilliseconds());
            }
            else if (root.TryGetProperty("ttlMs", out var ttlElement) && ttlElement.ValueKind != JsonValueKind.Null)
            {
                if (!ttlElement.TryGetDouble(out var ms))
                {
                    throw new FormatException("\"ttlMs\" must be a number or null");
                }

                ttl = TimeSpan.FromMilliseconds(ms);
            }

            return (keyElement.GetString()!, Encoding.UTF8.GetBytes(valueElement.GetRawText()), ttl);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw new CliException(ExitCodes.Usage,
                string.Create(CultureInfo.InvariantCulture, $"Line {lineNumber} is not an export entry {{\"key\",\"value\",\"ttlMs\"}}: {ex.Message.Split(". ")[0].TrimEnd('.')}."));
        }
    }

    private Command BuildCopy()
    {
        var from = new Option<string?>("--from") { Description = "The source store URI (default: --store / OBJECTOS_STORAGE / the default SQLite file).", HelpName = "URI" };
        var to = new Option<string>("--to") { Description = "The destination store URI.", HelpName = "URI", Required = true };
        var pattern = PatternArgument();
        var plugin = FilterPluginOption();
        var concurrency = new Option<int>("--concurrency") { Description = "Keys copied at once.", DefaultValueFactory = _ => Pipeline.DefaultWindow };
        var command = Define("copy",
            "Copy every key (or one plugin's, or those matching PATTERN) from one store to another, keeping remaining TTLs. Running it twice is harmless: keys are overwritten with the same values.",
            pattern, from, to, plugin, concurrency);
        command.SetAction(async (parse, ct) =>
        {
            var scope = parse.GetValue(plugin);
            var glob = parse.GetValue(pattern);
            ValidateFilter(scope, glob);
            var window = parse.GetValue(concurrency);
            if (window is < 1 or > 1024)
            {
                throw new ArgumentException("--concurrency must be between 1 and 1024.");
            }

            var sourceUri = ResolveStore(parse, parse.GetValue(from));
            var targetUri = ResolveStore(parse, parse.GetValue(to));
            await using var source = await StoreSession.OpenAsync(sourceUri, ct).ConfigureAwait(false);
            await using var target = await StoreSession.OpenAsync(targetUri, ct).ConfigureAwait(false);
            var stopwatch = Stopwatch.StartNew();
            long copied = 0, withTtl = 0, vanished = 0, bytes = 0;

            async Task Run(Action<double> advance)
            {
                var results = Pipeline.SelectAsync(
                    PhysicalKeys(source, scope, glob, ct),
                    async (key, token) =>
                    {
                        var entry = await source.ReadAsync(key, token).ConfigureAwait(false);
                        if (entry is not null)
                        {
                            await target.WriteAsync(entry.Key, entry.Value, entry.TimeToLive, token).ConfigureAwait(false);
                        }

                        return entry;
                    },
                    window,
                    ct);
                await foreach (var entry in results.ConfigureAwait(false))
                {
                    if (entry is null)
                    {
                        vanished++;
                    }
                    else
                    {
                        copied++;
                        bytes += entry.Value.Length;
                        withTtl += entry.TimeToLive is null ? 0 : 1;
                    }

                    advance(1);
                }
            }

            if (!Json(parse) && Terminal.CanShowProgress)
            {
                long total = 0;
                await foreach (var unused in PhysicalKeys(source, scope, glob, ct).ConfigureAwait(false))
                {
                    total++;
                }

                await Terminal.Out.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask($"Copying {Plural(total, "key")}", maxValue: Math.Max(1, total));
                        await Run(task.Increment).ConfigureAwait(false);
                        task.Value = task.MaxValue;
                    }).ConfigureAwait(false);
            }
            else
            {
                await Run(static _ => { }).ConfigureAwait(false);
            }

            var elapsed = stopwatch.Elapsed;
            if (Json(parse))
            {
                Terminal.WriteJson(json =>
                {
                    json.WriteStartObject();
                    json.WriteString("from", sourceUri.Redacted);
                    json.WriteString("to", targetUri.Redacted);
                    json.WriteNumber("copied", copied);
                    json.WriteNumber("withTtl", withTtl);
                    json.WriteNumber("skippedExpired", vanished);
                    json.WriteNumber("bytes", bytes);
                    json.WriteNumber("elapsedMs", Math.Round(elapsed.TotalMilliseconds, 1));
                    json.WriteEndObject();
                });
            }
            else
            {
                var table = new Table().Border(TableBorder.Rounded).Title("copy").AddColumn("").AddColumn("");
                table.HideHeaders();
                table.AddRow("From", Markup.Escape(sourceUri.Redacted));
                table.AddRow("To", Markup.Escape(targetUri.Redacted));
                table.AddRow("Keys copied", copied.ToString("N0", CultureInfo.InvariantCulture));
                table.AddRow("  with a TTL", withTtl.ToString("N0", CultureInfo.InvariantCulture));
                table.AddRow("Skipped (expired during copy)", vanished.ToString("N0", CultureInfo.InvariantCulture));
                table.AddRow("Value bytes", FormatBytes(bytes));
                table.AddRow("Elapsed", Duration.Format(elapsed));
                Terminal.Out.Write(table);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private void WriteTransferSummary(ParseResult parse, string operation, string from, string to, long count, long expired, long bytes, TimeSpan elapsed)
    {
        var imported = operation == "import";
        if (Json(parse))
        {
            Terminal.WriteJson(json =>
            {
                json.WriteStartObject();
                json.WriteString("from", from);
                json.WriteString("to", to);
                json.WriteNumber(imported ? "imported" : "exported", count);
                if (imported)
                {
                    json.WriteNumber("skippedExpired", expired);
                }

                json.WriteNumber("bytes", bytes);
                json.WriteNumber("elapsedMs", Math.Round(elapsed.TotalMilliseconds, 1));
                json.WriteEndObject();
            });
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title(operation).AddColumn("").AddColumn("");
        table.HideHeaders();
        table.AddRow("From", Markup.Escape(from));
        table.AddRow("To", Markup.Escape(to));
        table.AddRow(imported ? "Keys imported" : "Keys exported", count.ToString("N0", CultureInfo.InvariantCulture));
        if (imported)
        {
            table.AddRow("Skipped (TTL elapsed)", expired.ToString("N0", CultureInfo.InvariantCulture));
        }

        table.AddRow("Value bytes", FormatBytes(bytes));
        table.AddRow("Elapsed", Duration.Format(elapsed));
        Terminal.Out.Write(table);
    }
}

/// <summary>
/// Keeps up to a window of writes in flight, never two for the same key at once, so that a later line for a key
/// always wins over an earlier one.
/// </summary>
internal sealed class KeyedWriteWindow(int window)
{
    private readonly Queue<(string Key, Task Write)> _inFlight = new();
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);

    /// <summary>Starts a write, after waiting for room and for any earlier write of the same key.</summary>
    public async Task AddAsync(string key, Func<CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        while (_inFlight.Count >= window || (_keys.Contains(key) && _inFlight.Count > 0))
        {
            await CompleteOldestAsync().ConfigureAwait(false);
        }

        _keys.Add(key);
        _inFlight.Enqueue((key, write(cancellationToken)));
    }

    /// <summary>Waits for every write still in flight; throws the first failure.</summary>
    public async Task DrainAsync()
    {
        while (_inFlight.Count > 0)
        {
            await CompleteOldestAsync().ConfigureAwait(false);
        }
    }

    private async Task CompleteOldestAsync()
    {
        var (key, write) = _inFlight.Dequeue();
        _keys.Remove(key);
        await write.ConfigureAwait(false);
    }
}
