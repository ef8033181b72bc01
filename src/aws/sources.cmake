target_sources(gpubox_lib PRIVATE
  src/aws/assume_role.cpp
  src/aws/regions.cpp
  src/aws/client.cpp
  src/aws/errors.cpp
  src/aws/http.cpp
  src/aws/http_curl.cpp
  src/aws/retry.cpp
  src/aws/sigv4.cpp
  src/aws/credential_sources.cpp
  src/aws/credentials.cpp
  src/aws/endpoints.cpp
  src/aws/profile.cpp
  src/aws/settings.cpp
  src/aws/ec2.cpp
  src/aws/ec2_catalog.cpp
  src/aws/ec2_network.cpp
  src/aws/ec2_instances.cpp
  src/aws/ec2_volumes.cpp
  src/aws/sts.cpp
  src/aws/ssm.cpp
  src/aws/service_quotas.cpp
  src/aws/pricing.cpp
  src/aws/xml.cpp
  src/aws/json_fields.cpp
  src/aws/credential_sso.cpp src/aws/credential_container.cpp
)
