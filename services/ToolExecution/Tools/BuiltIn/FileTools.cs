using System.ComponentModel;
using System.Text;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Platform.ToolExecution.Tools.BuiltIn;

/// <summary>
/// <c>fs_list</c>, <c>fs_read</c> and <c>fs_write</c> in the caller's tenant workspace. Every path goes through the
/// workspace jail; file-system exceptions are answered with fixed messages because theirs name server paths.
/// </summary>
[McpServerToolType]
public sealed class FileTools
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public sealed record Entry(string Name, string Type, long? Size);

    public sealed record Listing(string Path, IReadOnlyList<Entry> Entries, bool Truncated);

    public sealed record Written(string Path, long Bytes);

    [McpServerTool(Name = "fs_list", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Lists a folder of your workspace: names, types (file, directory, link) and file sizes.")]
    public static CallToolResult List(
        RequestContext<CallToolRequestParams> request,
        TenantWorkspaces workspaces,
        [Description("Workspace-relative folder with '/' separators; empty for the workspace root.")] string path = "")
    {
        if (!workspaces.TryOpen(request.User, out var jail, out var reason) || !jail.TryResolve(path, out var full, out reason))
        {
            return ToolResults.Error($"fs_list refused: {reason}.");
        }

        if (!Directory.Exists(full))
        {
            return ToolResults.Error("fs_list refused: folder does not exist.");
        }

        try
        {
            var max = workspaces.Options.MaxListEntries;
            var entries = new DirectoryInfo(full)
                .EnumerateFileSystemInfos("*", new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0 })
                .Take(max + 1)
                .Select(info => info.LinkTarget is not null
                    ? new Entry(info.Name, "link", null)
                    : info is FileInfo file ? new Entry(info.Name, "file", file.Length) : new Entry(info.Name, "directory", null))
                .ToList();
            var truncated = entries.Count > max;
            return ToolResults.Structured(new Listing(path, [.. entries.Take(max).OrderBy(e => e.Name, StringComparer.Ordinal)], truncated));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ToolResults.Error("fs_list failed: the folder could not be read.");
        }
    }

    [McpServerTool(Name = "fs_read", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Reads a UTF-8 text file from your workspace.")]
    public static async Task<CallToolResult> Read(
        RequestContext<CallToolRequestParams> request,
        TenantWorkspaces workspaces,
        [Description("Workspace-relative file path with '/' separators.")] string path,
        CancellationToken cancellationToken)
    {
        if (!workspaces.TryOpen(request.User, out var jail, out var reason)
            || !jail.TryResolve(path, out var full, out reason)
            || !jail.TryCheckRead(full, out reason))
        {
            return ToolResults.Error($"fs_read refused: {reason}.");
        }

        try
        {
            var bytes = await File.ReadAllBytesAsync(full, cancellationToken);
            return ToolResults.Text(StrictUtf8.GetString(bytes));
        }
        catch (DecoderFallbackException)
        {
            return ToolResults.Error("fs_read refused: the file is not UTF-8 text.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ToolResults.Error("fs_read failed: the file could not be read.");
        }
    }

    [McpServerTool(Name = "fs_write", Destructive = true, Idempotent = true, OpenWorld = false)]
    [Description("Writes a UTF-8 text file in your workspace, replacing it if it exists and creating missing folders.")]
    public static async Task<CallToolResult> Write(
        RequestContext<CallToolRequestParams> request,
        TenantWorkspaces workspaces,
        [Description("Workspace-relative file path with '/' separators.")] string path,
        [Description("The text to write.")] string content,
        CancellationToken cancellationToken)
    {
        if (!workspaces.TryOpen(request.User, out var jail, out var reason) || !jail.TryResolve(path, out var full, out reason))
        {
            return ToolResults.Error($"fs_write refused: {reason}.");
        }

        byte[] bytes;
        try
        {
            bytes = StrictUtf8.GetBytes(content);
        }
        catch (EncoderFallbackException)
        {
            return ToolResults.Error("fs_write refused: content is not valid Unicode text.");
        }

        using (await workspaces.LockForWriteAsync(jail, cancellationToken))
        {
            if (!jail.TryCheckWrite(full, bytes.Length, out reason))
            {
                return ToolResults.Error($"fs_write refused: {reason}.");
            }

            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                await File.WriteAllBytesAsync(full, bytes, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return ToolResults.Error("fs_write failed: the file could not be written (is a parent a file?).");
            }
        }

        return ToolResults.Structured(new Written(path, bytes.Length));
    }
}
