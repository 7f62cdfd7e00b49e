namespace Platform.AppHost.Terminal;

/// <summary>
/// All AppHost output goes through here, so child log lines and the live status line never interleave
/// mid-line. On a terminal the status line is redrawn below the logs; redirected output gets plain lines.
/// </summary>
public sealed class ConsoleView(TextWriter output, bool interactive)
{
    private const string ClearLine = "\r\u001b[2K";
    private const string Reset = "\u001b[0m";
    private static readonly string[] Palette = ["\u001b[36m", "\u001b[35m", "\u001b[33m", "\u001b[32m", "\u001b[34m"];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _colors = [];
    private string? _status;

    public void Info(string line) => Write($"[apphost] {line}");

    public void Error(string line) => Write(interactive ? $"\u001b[31m[apphost] {line}{Reset}" : $"[apphost] {line}");

    public void Raw(string line) => Write(line);

    public void ServiceLine(string service, string line)
    {
        if (!interactive)
        {
            Write($"[{service}] {line}");
            return;
        }

        string color;
        lock (_gate)
        {
            if (!_colors.TryGetValue(service, out color!))
            {
                color = Palette[_colors.Count % Palette.Length];
                _colors[service] = color;
            }
        }

        Write($"{color}[{service}]{Reset} {line}");
    }

    /// <summary>On a terminal: replaces the status line. Redirected: only changes are written, as plain lines.</summary>
    public void Status(string status)
    {
        lock (_gate)
        {
            if (interactive)
            {
                output.Write(ClearLine + status);
                output.Flush();
            }
            else if (status != _status)
            {
                output.WriteLine($"[apphost] {status}");
            }

            _status = status;
        }
    }

    public void ClearStatus()
    {
        lock (_gate)
        {
            if (interactive && _status is not null)
            {
                output.Write(ClearLine);
            }

            _status = null;
        }
    }

    private void Write(string line)
    {
        lock (_gate)
        {
            if (interactive && _status is not null)
            {
                output.Write(ClearLine);
                output.WriteLine(line);
                output.Write(_status);
            }
            else
            {
                output.WriteLine(line);
            }

            output.Flush();
        }
    }
}
