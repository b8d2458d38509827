using System.Text;
using Dilemma.Grains.Interfaces.Research;

namespace Dilemma.Gateway.Research;

/// <summary>
/// One data sheet (participants unless another is asked for) as CSV (RFC 4180, CRLF), UTF-8 with a byte order mark so Excel reads Korean
/// text right. Cells hold the canonical text of their values, quoted when they contain a comma, quote or
/// line break. Text starting with = + - @, a tab or a carriage return gets a leading apostrophe, which a spreadsheet shows
/// as text instead of running it as a formula (a tab or return before the = is skipped by some, so the formula would
/// still run); the manifest's hash is over the values without it. Text starting with an apostrophe gets one too, so the
/// guard is undone without guessing: one leading apostrophe off wherever one of those characters follows it.
/// </summary>
internal sealed class CsvExportWriter : IExportWriter
{
    // Rows are encoded and written in batches of about this many characters.
    private const int FlushAtChars = 32 * 1024;

    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
    private readonly Stream _body;
    private readonly IExportSheet _sheet;
    private readonly ExportValue[] _cells;
    private readonly StringBuilder _text = new(FlushAtChars * 2);
    private readonly StringBuilder _cell = new();

    // Encoded text goes out through one reused buffer, well under the large object heap's threshold: a string
    // and a byte array per flush would be hundreds of megabytes of garbage over a million rows.
    private readonly Encoder _encoder = Utf8.GetEncoder();
    private readonly byte[] _bytes = new byte[32 * 1024];

    private CsvExportWriter(Stream body, IExportSheet sheet)
    {
        _body = body;
        _sheet = sheet;
        _cells = new ExportValue[sheet.Columns.Count];
    }

    public static async Task<CsvExportWriter> CreateAsync(Stream body, IExportSheet sheet, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sheet);
        var writer = new CsvExportWriter(body, sheet);
        await body.WriteAsync(Encoding.UTF8.Preamble.ToArray(), cancellationToken);
        for (var i = 0; i < sheet.Columns.Count; i++)
        {
            writer.AppendCell(i, ExportValue.Of(sheet.Columns[i].Name));
        }

        writer._text.Append("\r\n");
        return writer;
    }

    public async ValueTask WriteRowsAsync(SheetRows rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (!string.Equals(rows.Sheet, _sheet.Name, StringComparison.Ordinal))
        {
            return;
        }

        for (var row = 0; row < rows.Count; row++)
        {
            rows.Read(row, _cells);
            for (var i = 0; i < _cells.Length; i++)
            {
                AppendCell(i, _cells[i]);
            }

            _text.Append("\r\n");
            if (_text.Length >= FlushAtChars)
            {
                await FlushAsync(cancellationToken);
            }
        }

        await FlushAsync(cancellationToken);
    }

    public async ValueTask CompleteAsync(ExportCompleted completed, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken);
        await _body.FlushAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void AppendCell(int index, ExportValue value)
    {
        if (index > 0)
        {
            _text.Append(',');
        }

        _cell.Clear();
        value.AppendText(_cell);
        if (_cell.Length == 0)
        {
            return;
        }

        var guard = value.Kind == ExportValueKind.Text && _cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '\'';
        var quote = false;
        for (var i = 0; i < _cell.Length && !quote; i++)
        {
            quote = _cell[i] is ',' or '"' or '\r' or '\n';
        }

        if (quote)
        {
            _text.Append('"');
        }

        if (guard)
        {
            _text.Append('\'');
        }

        if (quote)
        {
            _text.Append(_cell.Replace("\"", "\"\""));
            _text.Append('"');
        }
        else
        {
            _text.Append(_cell);
        }
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_text.Length == 0)
        {
            return;
        }

        foreach (var chunk in _text.GetChunks())
        {
            var chars = chunk;
            while (!chars.IsEmpty)
            {
                // Not flushing the encoder: a surrogate pair split between two chunks is completed by the next.
                _encoder.Convert(chars.Span, _bytes, flush: false, out var used, out var written, out _);
                await _body.WriteAsync(_bytes.AsMemory(0, written), cancellationToken);
                chars = chars[used..];
            }
        }

        _text.Clear();
    }
}
