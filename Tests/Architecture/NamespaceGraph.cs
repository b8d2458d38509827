using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Dilemma.Tests.Architecture;

/// <summary>
/// Which of our namespaces each of our namespaces uses, read from the compiled assemblies'
/// metadata: base types, interfaces, attributes, fields, properties, events, method signatures,
/// locals, and every type, method and field token in method bodies (so a type used only inside a
/// body, or in a compiler-made state machine or lambda class, still counts).
/// </summary>
internal sealed class NamespaceGraph
{
    private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value, code => code.OperandType);

    private readonly string _prefix;
    private readonly SortedDictionary<string, SortedDictionary<string, SortedSet<string>>> _edges = new(StringComparer.Ordinal);

    private NamespaceGraph(string prefix) => _prefix = prefix;

    /// <summary>Namespace → the namespaces it uses (not itself).</summary>
    public IReadOnlyDictionary<string, IReadOnlyCollection<string>> Uses =>
        _edges.ToDictionary(edge => edge.Key, edge => (IReadOnlyCollection<string>)edge.Value.Keys.ToList(), StringComparer.Ordinal);

    /// <summary>The types in <paramref name="from"/> that use <paramref name="to"/>, for the failure message.</summary>
    public IReadOnlyCollection<string> Evidence(string from, string to) =>
        _edges.TryGetValue(from, out var targets) && targets.TryGetValue(to, out var types) ? types : [];

    /// <summary>Reads the assemblies' files; only namespaces starting with <paramref name="prefix"/> become nodes.</summary>
    public static NamespaceGraph Read(IEnumerable<string> assemblyPaths, string prefix)
    {
        var graph = new NamespaceGraph(prefix);
        foreach (var path in assemblyPaths)
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            graph.Add(pe);
        }

        return graph;
    }

    private void Add(PEReader pe)
    {
        var reader = pe.GetMetadataReader();
        var signatures = new NamespaceSignatures();
        foreach (var handle in reader.TypeDefinitions)
        {
            var from = NamespaceSignatures.Of(reader, handle);
            if (!Ours(from))
            {
                continue;
            }

            var type = reader.GetTypeDefinition(handle);
            var typeName = OutermostName(reader, type);
            var used = new List<string>();
            void Token(EntityHandle token) => used.AddRange(Namespaces(reader, signatures, token));

            if (!type.BaseType.IsNil)
            {
                Token(type.BaseType);
            }

            foreach (var implementation in type.GetInterfaceImplementations())
            {
                Token(reader.GetInterfaceImplementation(implementation).Interface);
            }

            Attributes(reader, type.GetCustomAttributes(), Token);
            foreach (var fieldHandle in type.GetFields())
            {
                var field = reader.GetFieldDefinition(fieldHandle);
                used.AddRange(field.DecodeSignature(signatures, null));
                Attributes(reader, field.GetCustomAttributes(), Token);
            }

            foreach (var propertyHandle in type.GetProperties())
            {
                var property = reader.GetPropertyDefinition(propertyHandle);
                var signature = property.DecodeSignature(signatures, null);
                used.AddRange(signature.ReturnType);
                used.AddRange(signature.ParameterTypes.SelectMany(parameter => parameter));
                Attributes(reader, property.GetCustomAttributes(), Token);
            }

            foreach (var eventHandle in type.GetEvents())
            {
                Token(reader.GetEventDefinition(eventHandle).Type);
            }

            foreach (var methodHandle in type.GetMethods())
            {
                var method = reader.GetMethodDefinition(methodHandle);
                var signature = method.DecodeSignature(signatures, null);
                used.AddRange(signature.ReturnType);
                used.AddRange(signature.ParameterTypes.SelectMany(parameter => parameter));
                Attributes(reader, method.GetCustomAttributes(), Token);
                if (method.RelativeVirtualAddress != 0)
                {
                    Body(pe.GetMethodBody(method.RelativeVirtualAddress), reader, signatures, Token, used);
                }
            }

            foreach (var to in used.Where(to => Ours(to) && to != from))
            {
                Edge(from, to, typeName);
            }
        }
    }

    /// <summary>A lambda class or state machine is reported as the type the code was written in.</summary>
    private static string OutermostName(MetadataReader reader, TypeDefinition type)
    {
        while (type.IsNested)
        {
            type = reader.GetTypeDefinition(type.GetDeclaringType());
        }

        return reader.GetString(type.Name);
    }

    private static void Attributes(MetadataReader reader, CustomAttributeHandleCollection attributes, Action<EntityHandle> token)
    {
        foreach (var attribute in attributes)
        {
            token(reader.GetCustomAttribute(attribute).Constructor);
        }
    }

    private static void Body(MethodBodyBlock body, MetadataReader reader, NamespaceSignatures signatures, Action<EntityHandle> token, List<string> used)
    {
        if (!body.LocalSignature.IsNil)
        {
            var locals = reader.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(signatures, null);
            used.AddRange(locals.SelectMany(local => local));
        }

        var il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            short code = il.ReadByte();
            if (code == 0xFE)
            {
                code = (short)(0xFE00 | il.ReadByte());
            }

            switch (Operands[code])
            {
                case OperandType.InlineField:
                case OperandType.InlineMethod:
                case OperandType.InlineType:
                case OperandType.InlineTok:
                    token(MetadataTokens.EntityHandle(il.ReadInt32()));
                    break;
                case OperandType.InlineSwitch:
                    var targets = il.ReadInt32();
                    il.Offset += 4 * targets;
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    il.Offset += 8;
                    break;
                case OperandType.InlineBrTarget:
                case OperandType.InlineI:
                case OperandType.InlineSig:
                case OperandType.InlineString:
                case OperandType.ShortInlineR:
                    il.Offset += 4;
                    break;
                case OperandType.InlineVar:
                    il.Offset += 2;
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    il.Offset += 1;
                    break;
                case OperandType.InlineNone:
                    break;
                default:
                    throw new InvalidOperationException($"IL operand type {Operands[code]} is not decoded.");
            }
        }
    }

    /// <summary>Every namespace a metadata token names: the type itself, or a member's declaring type and signature.</summary>
    private static ImmutableArray<string> Namespaces(MetadataReader reader, NamespaceSignatures signatures, EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                return [NamespaceSignatures.Of(reader, (TypeDefinitionHandle)handle)];
            case HandleKind.TypeReference:
                return [NamespaceSignatures.Of(reader, (TypeReferenceHandle)handle)];
            case HandleKind.TypeSpecification:
                return reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(signatures, null);
            case HandleKind.FieldDefinition:
                var field = reader.GetFieldDefinition((FieldDefinitionHandle)handle);
                return Namespaces(reader, signatures, field.GetDeclaringType()).AddRange(field.DecodeSignature(signatures, null));
            case HandleKind.MethodDefinition:
                var method = reader.GetMethodDefinition((MethodDefinitionHandle)handle);
                var methodSignature = method.DecodeSignature(signatures, null);
                return Namespaces(reader, signatures, method.GetDeclaringType())
                    .AddRange(methodSignature.ReturnType)
                    .AddRange(methodSignature.ParameterTypes.SelectMany(parameter => parameter));
            case HandleKind.MethodSpecification:
                var specification = reader.GetMethodSpecification((MethodSpecificationHandle)handle);
                return Namespaces(reader, signatures, specification.Method)
                    .AddRange(specification.DecodeSignature(signatures, null).SelectMany(argument => argument));
            case HandleKind.MemberReference:
                var member = reader.GetMemberReference((MemberReferenceHandle)handle);
                var parent = member.Parent.Kind is HandleKind.TypeDefinition or HandleKind.TypeReference or HandleKind.TypeSpecification
                    or HandleKind.MethodDefinition
                    ? Namespaces(reader, signatures, member.Parent)
                    : [];
                if (member.GetKind() == MemberReferenceKind.Field)
                {
                    return parent.AddRange(member.DecodeFieldSignature(signatures, null));
                }

                var memberSignature = member.DecodeMethodSignature(signatures, null);
                return parent.AddRange(memberSignature.ReturnType)
                    .AddRange(memberSignature.ParameterTypes.SelectMany(parameter => parameter));
            default:
                return [];
        }
    }

    private bool Ours(string space) => space.StartsWith(_prefix, StringComparison.Ordinal);

    private void Edge(string from, string to, string typeName)
    {
        if (!_edges.TryGetValue(from, out var targets))
        {
            _edges[from] = targets = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        }

        if (!targets.TryGetValue(to, out var types))
        {
            targets[to] = types = new SortedSet<string>(StringComparer.Ordinal);
        }

        types.Add(typeName);
    }
}
