using System.Collections.Immutable;
using System.Reflection.Metadata;

namespace Dilemma.Tests.Architecture;

/// <summary>
/// Decodes a metadata signature into the namespaces of every type it names, generic arguments
/// included, so <c>Task&lt;RoomView&gt;</c> counts as a use of <c>RoomView</c>'s namespace.
/// </summary>
internal sealed class NamespaceSignatures
    : ISignatureTypeProvider<ImmutableArray<string>, object?>
{
    private static readonly ImmutableArray<string> None = [];

    /// <summary>The namespace of a type definition; nested types live in their outermost type's.</summary>
    public static string Of(MetadataReader reader, TypeDefinitionHandle handle)
    {
        var type = reader.GetTypeDefinition(handle);
        while (type.IsNested)
        {
            type = reader.GetTypeDefinition(type.GetDeclaringType());
        }

        return reader.GetString(type.Namespace);
    }

    /// <summary>The namespace of a type reference; a nested reference resolves through its enclosing one.</summary>
    public static string Of(MetadataReader reader, TypeReferenceHandle handle)
    {
        var type = reader.GetTypeReference(handle);
        while (type.ResolutionScope.Kind == HandleKind.TypeReference)
        {
            type = reader.GetTypeReference((TypeReferenceHandle)type.ResolutionScope);
        }

        return reader.GetString(type.Namespace);
    }

    public ImmutableArray<string> GetTypeFromDefinition(MetadataReader metadata, TypeDefinitionHandle handle, byte rawTypeKind) =>
        [Of(metadata, handle)];

    public ImmutableArray<string> GetTypeFromReference(MetadataReader metadata, TypeReferenceHandle handle, byte rawTypeKind) =>
        [Of(metadata, handle)];

    public ImmutableArray<string> GetTypeFromSpecification(MetadataReader metadata, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
        metadata.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

    public ImmutableArray<string> GetGenericInstantiation(ImmutableArray<string> genericType, ImmutableArray<ImmutableArray<string>> typeArguments) =>
        genericType.AddRange(typeArguments.SelectMany(argument => argument));

    public ImmutableArray<string> GetArrayType(ImmutableArray<string> elementType, ArrayShape shape) => elementType;

    public ImmutableArray<string> GetSZArrayType(ImmutableArray<string> elementType) => elementType;

    public ImmutableArray<string> GetByReferenceType(ImmutableArray<string> elementType) => elementType;

    public ImmutableArray<string> GetPointerType(ImmutableArray<string> elementType) => elementType;

    public ImmutableArray<string> GetPinnedType(ImmutableArray<string> elementType) => elementType;

    public ImmutableArray<string> GetModifiedType(ImmutableArray<string> modifier, ImmutableArray<string> unmodifiedType, bool isRequired) =>
        unmodifiedType;

    public ImmutableArray<string> GetFunctionPointerType(MethodSignature<ImmutableArray<string>> signature) =>
        signature.ReturnType.AddRange(signature.ParameterTypes.SelectMany(parameter => parameter));

    public ImmutableArray<string> GetGenericMethodParameter(object? genericContext, int index) => None;

    public ImmutableArray<string> GetGenericTypeParameter(object? genericContext, int index) => None;

    public ImmutableArray<string> GetPrimitiveType(PrimitiveTypeCode typeCode) => None;

    public ImmutableArray<string> GetTypeFromSerializedName(string name) => None;

    public PrimitiveTypeCode GetUnderlyingEnumType(ImmutableArray<string> type) => PrimitiveTypeCode.Int32;

    public bool IsSystemType(ImmutableArray<string> type) => false;

    public ImmutableArray<string> GetSystemType() => ["System"];
}
