using System.Security.Cryptography;
using System.Text;

namespace Dilemma.Grains.Interfaces.Research;

/// <summary>
/// SHA-256 over a sheet's rows in the canonical form <see cref="Version"/>, so anyone can recompute
/// it from the workbook or the CSV: UTF-8 without BOM; the header row, then each data row in sheet
/// order; cells joined by TAB and each row ended by LF; a cell is its value's text (integers in decimal,
/// TRUE/FALSE, timestamps <c>yyyy-MM-dd HH:mm:ss.fff</c> UTC, empty for no value) with backslash, TAB,
/// LF and CR written as <c>\\</c>, <c>\t</c>, <c>\n</c>, <c>\r</c>; the digest in lower-case hex.
/// </summary>
public sealed class CanonicalRowHasher<TRow> : IDisposable
{
    public const string Version = "dilemma-export-rows-v1";

    // Rows are encoded in batches of about this many characters: big enough to hash efficiently, small
    // enough that memory does not grow with the export.
    private const int FlushAtChars = 32 * 1024;

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Encoder _encoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetEncoder();
    private readonly IReadOnlyList<ExportColumn<TRow>> _columns;
    private readonly StringBuilder _pending = new(FlushAtChars * 2);
    private readonly byte[] _bytes = new byte[FlushAtChars * 8];

    public CanonicalRowHasher(IReadOnlyList<ExportColumn<TRow>> columns)
    {
        _columns = columns;
        for (var i = 0; i < columns.Count; i++)
        {
            if (i > 0)
            {
                _pending.Append('\t');
            }

            AppendEscaped(_pending, columns[i].Name);
        }

        _pending.Append('\n');
    }

    public long Rows { get; private set; }

    public void Add(TRow row)
    {
        for (var i = 0; i < _columns.Count; i++)
        {
            if (i > 0)
            {
                _pending.Append('\t');
            }

            var value = _columns[i].Read(row);
            if (value.Kind == ExportValueKind.Text)
            {
                AppendEscaped(_pending, value.Text);
            }
            else
            {
                value.AppendText(_pending);
            }
        }

        _pending.Append('\n');
        Rows++;
        if (_pending.Length >= FlushAtChars)
        {
            Flush(final: false);
        }
    }

    /// <summary>The digest of everything added, in lower-case hex.</summary>
    public string Finish()
    {
        Flush(final: true);
        return Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

    public void Dispose() => _hash.Dispose();

    private static void AppendEscaped(StringBuilder builder, string? text)
    {
        if (text is null)
        {
            return;
        }

        if (text.AsSpan().IndexOfAny("\\\t\n\r") < 0)
        {
            builder.Append(text);
            return;
        }

        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '\\' => @"\\",
                '\t' => @"\t",
                '\n' => @"\n",
                '\r' => @"\r",
                _ => null,
            } ?? c.ToString());
        }
    }

    private void Flush(bool final)
    {
        var chunks = _pending.GetChunks();
        var remaining = _pending.Length;
        foreach (var chunk in chunks)
        {
            remaining -= chunk.Length;
            var chars = chunk.Span;
            while (!chars.IsEmpty)
            {
                _encoder.Convert(chars, _bytes, final && remaining == 0, out var used, out var written, out _);
                _hash.AppendData(_bytes, 0, written);
                chars = chars[used..];
            }
        }

        if (final)
        {
            _encoder.Convert([], _bytes, flush: true, out _, out var last, out _);
            _hash.AppendData(_bytes, 0, last);
        }

        _pending.Clear();
    }
}
