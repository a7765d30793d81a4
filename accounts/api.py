from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    organization = serializers.CharField(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField())


class MeApi(APIView):
    """Who the caller is and which roles they hold."""

    serializer_class = MeSerializer

    @extend_schema(summary="Who you are and your roles")
    def get(self, request):
        user = request.user
        data = {
            "id": user.pk,
            "username": user.username,
            "organization": str(user.organization) if user.organization else None,
            "roles": sorted(user.roles),
        }
        return Response(MeSerializer(data).data)
