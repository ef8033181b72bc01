#pragma once
// Container credentials: the ECS task role endpoint and EKS Pod Identity agent, as botocore's
// ContainerProvider reads them from AWS_CONTAINER_CREDENTIALS_{RELATIVE,FULL}_URI.

#include <optional>

#include "aws/credentials.hpp"
#include "aws/http.hpp"
#include "core/env.hpp"
#include "core/error.hpp"

namespace gpubox::aws {

// Fetch credentials from the container credentials endpoint; nullopt when neither
// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set.
// RELATIVE_URI wins and is fetched from http://169.254.170.2. FULL_URI must be https, or http to
// a loopback host or one of the ECS/EKS agent addresses; anything else is an auth Error. The
// Authorization header comes from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (its contents, trimmed)
// or else AWS_CONTAINER_AUTHORIZATION_TOKEN. Error messages never quote the token or the reply.
Result<std::optional<Credentials>> credentials_from_container(HttpClient& http,
                                                              const EnvLookup& env);

}  // namespace gpubox::aws
