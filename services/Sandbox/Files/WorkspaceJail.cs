using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Platform.Sandbox.Files;

/// <summary>
/// One tenant's workspace folder. Paths from tool arguments are resolved only through
/// <see cref="TryResolve"/>, which refuses anything that could name a file outside the folder.
/// </summary>
public sealed partial class WorkspaceJail
{
    // Well past any real chain, short enough to stop a link loop quickly (Linux uses 40 too).
    private const int MaxLinkHops = 40;

    public WorkspaceJail(string root, WorkspaceLimits? limits = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Directory.CreateDirectory(root);
        // The root is compared in its real form, because every resolved path is real too; a root reached
        // through a link (such as /tmp on some systems) would otherwise reject everything.
        Root = RealPath(Path.GetFullPath(root), out var reason) ?? throw new ArgumentException(reason, nameof(root));
        Limits = limits ?? new WorkspaceLimits();
    }

    /// <summary>The real path of the workspace folder, with every link resolved.</summary>
    public string Root { get; }

    public WorkspaceLimits Limits { get; }

    /// <summary>Opens (creating if needed) the workspace of <paramref name="tenantId"/> under <paramref name="workspacesRoot"/>.</summary>
    public static bool TryOpenForTenant(
        string workspacesRoot,
        string tenantId,
        WorkspaceLimits? limits,
        [NotNullWhen(true)] out WorkspaceJail? jail,
        out string reason)
    {
        jail = null;
        if (tenantId is null || !TenantIdPattern().IsMatch(tenantId))
        {
            reason = "tenant id must be 1-64 letters, digits, '-' or '_'";
            return false;
        }

        jail = new WorkspaceJail(Path.Join(workspacesRoot, tenantId), limits);
        reason = string.Empty;
        return true;
    }

    /// <summary>
    /// Turns a workspace-relative path (<c>/</c>-separated) into a real path inside <see cref="Root"/>.
    /// The empty path and <c>.</c> mean the root. The target need not exist, so writes can use it too.
    /// </summary>
    public bool TryResolve(string relativePath, out string fullPath, out string reason)
    {
        fullPath = string.Empty;
        if (!IsWellFormed(relativePath, out reason))
        {
            return false;
        }

        var joined = relativePath is "" or "." ? Root : Path.Join(Root, relativePath);
        if (RealPath(joined, out reason) is not { } real)
        {
            return false;
        }

        if (real != Root && !real.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            reason = "path leaves the workspace through a symbolic link";
            return false;
        }

        fullPath = real;
        return true;
    }

    /// <summary>Checks a path from <see cref="TryResolve"/> before reading it.</summary>
    public bool TryCheckRead(string fullPath, out string reason)
    {
        var file = new FileInfo(fullPath);
        if (!file.Exists)
        {
            reason = "file does not exist";
            return false;
        }

        if (file.Length > Limits.MaxReadBytes)
        {
            reason = $"file is {file.Length} bytes; the read limit is {Limits.MaxReadBytes}";
            return false;
        }

        reason = string.Empty;
        return true;
    }

    /// <summary>Checks a path from <see cref="TryResolve"/> before writing <paramref name="newLength"/> bytes to it.</summary>
    public bool TryCheckWrite(string fullPath, long newLength, out string reason)
    {
        if (newLength > Limits.MaxWriteBytes)
        {
            reason = $"write of {newLength} bytes exceeds the limit of {Limits.MaxWriteBytes}";
            return false;
        }

        if (Directory.Exists(fullPath))
        {
            reason = "path is a directory";
            return false;
        }

        var file = new FileInfo(fullPath);
        var replaced = file.Exists ? file.Length : 0;
        var after = WorkspaceQuota.UsedBytes(Root) - replaced + newLength;
        if (after > Limits.QuotaBytes)
        {
            reason = $"write would bring the workspace to {after} bytes; the quota is {Limits.QuotaBytes}";
            return false;
        }

        reason = string.Empty;
        return true;
    }

    private bool IsWellFormed(string? path, out string reason)
    {
        reason = string.Empty;
        if (path is null)
        {
            reason = "path is missing";
            return false;
        }

        if (path is "" or ".")
        {
            return true;
        }

        if (path.Length > Limits.MaxPathLength)
        {
            reason = $"path is longer than {Limits.MaxPathLength} characters";
            return false;
        }

        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                reason = $"path contains control or invisible character U+{(int)c:X4}";
                return false;
            }

            if (char.IsHighSurrogate(c) && i + 1 < path.Length && char.IsLowSurrogate(path[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                reason = "path contains an unpaired surrogate";
                return false;
            }

            // A backslash is a separator on Windows and in many decoders; a colon makes drive letters and
            // alternate data streams. Neither has a legitimate use in a workspace name.
            if (c is '\\' or ':')
            {
                reason = $"path contains '{c}'";
                return false;
            }

            // Percent-encoding is refused outright rather than decoded: whichever layer decodes it later
            // (once or twice) must not be able to turn it into a separator or a dot segment.
            if (c == '%' && i + 2 < path.Length && char.IsAsciiHexDigit(path[i + 1]) && char.IsAsciiHexDigit(path[i + 2]))
            {
                reason = "path contains percent-encoding";
                return false;
            }
        }

        if (path[0] == '/')
        {
            reason = "path must be relative to the workspace";
            return false;
        }

        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0)
            {
                reason = "path has an empty segment";
                return false;
            }

            // "." and ".." are the classic escapes; names made only of dots are refused as well because
            // Windows trims trailing dots and some tools treat "..." as a parent reference.
            if (segment.AsSpan().TrimStart('.').IsEmpty)
            {
                reason = $"path segment '{segment}' is not allowed";
                return false;
            }

            if (Encoding.UTF8.GetByteCount(segment) > Limits.MaxNameBytes)
            {
                reason = $"a name is longer than {Limits.MaxNameBytes} bytes";
                return false;
            }
        }

        return true;
    }

    // realpath(3) in managed code: every existing component is checked for a link, and a link's target is
    // resolved in turn, so links in the target's own parents are followed too. Missing components are kept
    // as written, which lets a write name a file that does not exist yet.
    private static string? RealPath(string fullPath, out string reason)
    {
        var pending = new Stack<string>();
        PushComponents(pending, fullPath);
        var current = Path.GetPathRoot(fullPath) ?? "/";
        var hops = 0;

        while (pending.TryPop(out var name))
        {
            if (name == ".")
            {
                continue;
            }

            if (name == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var next = Path.Join(current, name);
            var target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }

            if (++hops > MaxLinkHops)
            {
                reason = "too many levels of symbolic links";
                return null;
            }

            PushComponents(pending, target);
            if (Path.IsPathRooted(target))
            {
                current = Path.GetPathRoot(target) ?? "/";
            }
        }

        reason = string.Empty;
        return current;
    }

    private static void PushComponents(Stack<string> pending, string path)
    {
        var parts = path.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex TenantIdPattern();
}
