using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Dilemma.Gateway.WebClient;

/// <summary>
/// The browser app's files, read once at start-up. Every asset is served under
/// <c>/assets/{version}/…</c>, where the version is a hash of all assets together: the ES modules
/// import each other by relative paths, so one version in the path versions them all, and a new
/// deployment changes every URL at once (no tab mixes old and new modules).
/// </summary>
public sealed class WebClientAssets
{
    public const string IndexFile = "index.html";
    public const string AssetsFolder = "assets";

    /// <summary>The token in index.html that becomes <c>/assets/{version}</c>.</summary>
    public const string AssetsToken = "{{assets}}";

    /// <summary>
    /// What the app is made of. Anything else in the folder (the build's .gz copies, an editor's backup) is not served:
    /// it would change the version for nothing, or go out as something a browser guesses at.
    /// </summary>
    private static readonly FrozenSet<string> ServedExtensions =
        new[] { ".js", ".css", ".svg", ".png", ".ico", ".woff2" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private readonly FrozenDictionary<string, Asset> _assets;

    private WebClientAssets(string version, byte[] index, FrozenDictionary<string, Asset> assets)
    {
        Version = version;
        Index = index;
        _assets = assets;
    }

    public string Version { get; }

    public byte[] Index { get; }

    public bool TryGet(string path, out Asset asset) => _assets.TryGetValue(path, out asset!);

    /// <summary>The app's files, or null when the web root holds no index.html (a gateway deployed as an API only).</summary>
    public static WebClientAssets? Load(IFileProvider webRoot)
    {
        var indexFile = webRoot.GetFileInfo(IndexFile);
        if (!indexFile.Exists)
        {
            return null;
        }

        var types = new FileExtensionContentTypeProvider();
        var files = new SortedDictionary<string, Asset>(StringComparer.Ordinal);
        Collect(webRoot, AssetsFolder, string.Empty, types, files);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (path, asset) in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(path));
            hash.AppendData(asset.Content);
        }

        var version = Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
        var index = Encoding.UTF8.GetString(Read(indexFile)).Replace(AssetsToken, $"/{AssetsFolder}/{version}", StringComparison.Ordinal);
        return new WebClientAssets(version, Encoding.UTF8.GetBytes(index), files.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private static void Collect(IFileProvider root, string folder, string prefix, FileExtensionContentTypeProvider types, SortedDictionary<string, Asset> files)
    {
        foreach (var entry in root.GetDirectoryContents(folder))
        {
            var relative = prefix + entry.Name;
            if (entry.IsDirectory)
            {
                Collect(root, $"{folder}/{entry.Name}", relative + "/", types, files);
                continue;
            }

            if (ServedExtensions.Contains(Path.GetExtension(entry.Name)) && types.TryGetContentType(entry.Name, out var contentType))
            {
                files[relative] = new Asset(Read(entry), contentType.StartsWith("text/", StringComparison.Ordinal) || contentType.EndsWith("javascript", StringComparison.Ordinal) ? contentType + "; charset=utf-8" : contentType);
            }
        }
    }

    private static byte[] Read(IFileInfo file)
    {
        using var stream = file.CreateReadStream();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public sealed record Asset(byte[] Content, string ContentType);
}
