using System.Text.RegularExpressions;

namespace ObjectOS.Storage.Cli;

/// <summary>
/// Removes secrets from text before it is shown: every password of a store URI parsed in this run, and any
/// <c>scheme://user:password@</c> user info or <c>password=</c> setting a driver might have put in a message.
/// </summary>
internal sealed partial class Redactor
{
    private readonly List<string> _secrets = [];

    /// <summary>Remembers the secrets of <paramref name="uri"/>.</summary>
    public StoreUri Track(StoreUri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        lock (_secrets)
        {
            foreach (var secret in uri.Secrets)
            {
                if (secret.Length > 0 && !_secrets.Contains(secret))
                {
                    _secrets.Add(secret);
                }
            }

            // Longest first, so a secret that contains another is replaced whole.
            _secrets.Sort((a, b) => b.Length.CompareTo(a.Length));
        }

        return uri;
    }

    /// <summary>The text with every known secret replaced by <c>***</c>.</summary>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        lock (_secrets)
        {
            foreach (var secret in _secrets)
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        text = UserInfo().Replace(text, "$1***@");
        return PasswordSetting().Replace(text, "$1***");
    }

    [GeneratedRegex(@"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@")]
    private static partial Regex UserInfo();

    [GeneratedRegex(@"(\bpassword\s*=\s*)[^,;\s]+", RegexOptions.IgnoreCase)]
    private static partial Regex PasswordSetting();
}
