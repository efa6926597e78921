global using Eddy.Core.Objects;
